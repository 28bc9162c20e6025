//! What an ingest is told, and the counters it keeps for a progress display.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use taskq_store::EncodeOptions;

/// How to ingest.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// The dataset folder; created if missing.
    pub dataset: PathBuf,
    /// Records flattened together (per thread) before they are handed to the store.
    pub batch_tasks: usize,
    /// Threads that parse and flatten a file while the run writes.
    pub workers: usize,
    /// Counters the ingest keeps up to date as it goes, for a progress display.
    pub counters: Arc<IngestCounters>,
    /// How the run encodes its files.
    pub encode: EncodeOptions,
}

impl IngestOptions {
    pub fn new(dataset: PathBuf) -> Self {
        IngestOptions {
            dataset,
            batch_tasks: 1024,
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            counters: Arc::default(),
            encode: EncodeOptions::default(),
        }
    }
}

/// How far an ingest has got: counters it keeps up to date for a progress display.
#[derive(Debug, Default)]
pub struct IngestCounters {
    /// Bytes read from input files (compressed bytes for a compressed file).
    pub bytes: AtomicU64,
    /// The size of all the input files; 0 until known, and when standard input is read.
    pub total: AtomicU64,
    /// Tasks flattened and handed to the store.
    pub tasks: AtomicU64,
}
