//! Reading, flattening and writing at once: a reader thread frames records into chunks, worker
//! threads flatten chunks (each with its own Flattener), and the run's task writes the results
//! in input order, so "the last occurrence wins" holds exactly as in a serial read.
//!
//! Every channel is bounded, so memory holds a few chunks per worker whatever the input size.

use std::collections::BTreeMap;
use std::io::{self, BufRead};
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use taskq_flatten::{Batches, Flattener, Record, RecordError, RecordReader};
use taskq_store::QuarantineEntry;
use tokio::sync::mpsc;

/// Raw bytes per chunk at most (a chunk also ends at `max_records` records).
const CHUNK_BYTES: usize = 4 << 20;

/// A flattened chunk.
pub(crate) struct Chunk {
    pub batches: Vec<Batches>,
    /// Rejected records, each flagged when it was not JSON at all.
    pub rejected: Vec<(bool, QuarantineEntry)>,
    pub tasks: u64,
    pub extra_fields: u64,
}

/// Flattens `records` of the input `name`.
pub(crate) fn flatten(flattener: &mut Flattener, name: &str, records: &[Record]) -> Chunk {
    let before = flattener.stats().clone();
    let mut rejected = Vec::new();
    for record in records {
        for r in flattener.push(record) {
            let not_json = matches!(r.error, RecordError::NotJson(_) | RecordError::Broken(_));
            rejected.push((
                not_json,
                QuarantineEntry {
                    source: name.to_owned(),
                    line: record.line,
                    offset: record.offset,
                    element: r.element,
                    reason: r.error.to_string(),
                    record: r.text,
                },
            ));
        }
    }
    let after = flattener.stats().clone();
    Chunk {
        batches: flattener.take(),
        rejected,
        tasks: after.tasks - before.tasks,
        extra_fields: after.extra_fields - before.extra_fields,
    }
}

/// One input going through the reader and worker threads.
pub(crate) struct Pipeline {
    results: mpsc::Receiver<(u64, Chunk)>,
    /// Chunks that arrived ahead of their turn.
    waiting: BTreeMap<u64, Chunk>,
    next: u64,
    reader: Option<JoinHandle<io::Result<u64>>>,
}

impl Pipeline {
    pub(crate) fn start(
        input: Box<dyn BufRead + Send>,
        name: &str,
        workers: usize,
        max_records: usize,
    ) -> Pipeline {
        let (chunk_tx, chunk_rx) = sync_channel::<(u64, Vec<Record>)>(workers);
        let (result_tx, results) = mpsc::channel(workers);
        let reader = std::thread::spawn(move || {
            let mut records = RecordReader::new(input);
            let (mut chunk, mut bytes, mut seq) = (Vec::new(), 0usize, 0u64);
            for record in records.by_ref() {
                let record = record?;
                bytes += record.bytes.len();
                chunk.push(record);
                if chunk.len() >= max_records || bytes >= CHUNK_BYTES {
                    if chunk_tx.send((seq, std::mem::take(&mut chunk))).is_err() {
                        return Ok(records.records());
                    }
                    (bytes, seq) = (0, seq + 1);
                }
            }
            if !chunk.is_empty() {
                let _ = chunk_tx.send((seq, chunk));
            }
            Ok(records.records())
        });
        let chunk_rx = Arc::new(Mutex::new(chunk_rx));
        for _ in 0..workers {
            let (chunk_rx, result_tx, name) =
                (chunk_rx.clone(), result_tx.clone(), name.to_owned());
            std::thread::spawn(move || work(&chunk_rx, &result_tx, &name));
        }
        Pipeline {
            results,
            waiting: BTreeMap::new(),
            next: 0,
            reader: Some(reader),
        }
    }

    /// The next chunk in input order; `None` once the input is done.
    pub(crate) async fn next(&mut self) -> Option<Chunk> {
        loop {
            if let Some(chunk) = self.waiting.remove(&self.next) {
                self.next += 1;
                return Some(chunk);
            }
            let (seq, chunk) = self.results.recv().await?;
            self.waiting.insert(seq, chunk);
        }
    }

    /// After the last chunk: how many records the input held, or why reading it failed.
    pub(crate) fn finish(mut self) -> io::Result<u64> {
        match self.reader.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(io::Error::other("the reader thread panicked")),
            None => Ok(0),
        }
    }
}

fn work(
    chunks: &Mutex<Receiver<(u64, Vec<Record>)>>,
    results: &mpsc::Sender<(u64, Chunk)>,
    name: &str,
) {
    let mut flattener = Flattener::new();
    loop {
        let next = match chunks.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok((seq, records)) = next else {
            return;
        };
        let chunk = flatten(&mut flattener, name, &records);
        if results.blocking_send((seq, chunk)).is_err() {
            return;
        }
    }
}
