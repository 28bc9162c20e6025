//! taskq-ingest: files, folders and standard input → taskq-flatten → a taskq-store run.
//!
//! Inputs are read in the order given, folders recursively in sorted order, each file
//! decompressed by its magic bytes (gzip, zstd) and streamed record by record, so memory does
//! not grow with the input. Rejected records go to the run's quarantine with their file, line
//! and reason; the run commits at the end, or not at all when an input cannot be read.
//!
//! ```no_run
//! # async fn demo() -> Result<(), taskq_ingest::IngestError> {
//! use taskq_ingest::{IngestOptions, Input, ingest};
//!
//! let opts = IngestOptions::new("taskq-data".into());
//! let report = ingest(&[Input::Path("export.jsonl.gz".into())], &opts).await?;
//! println!("{} tasks, {} quarantined", report.tasks_read, report.quarantined);
//! # Ok(()) }
//! ```

mod error;
mod input;
mod pipeline;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use taskq_core::Table;
use taskq_flatten::{Flattener, Record, RecordReader};
use taskq_store::{Dataset, QuarantineEntry, Run, RunOptions};

pub use error::IngestError;
pub use input::Input;
use input::{expand, total_size};

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
    pub progress: Arc<Progress>,
    pub run: RunOptions,
}

impl IngestOptions {
    pub fn new(dataset: PathBuf) -> Self {
        IngestOptions {
            dataset,
            batch_tasks: 1024,
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            progress: Arc::default(),
            run: RunOptions::default(),
        }
    }
}

/// How far an ingest has got.
#[derive(Debug, Default)]
pub struct Progress {
    /// Bytes read from input files (compressed bytes for a compressed file).
    pub bytes: AtomicU64,
    /// The size of all the input files; 0 until known, and when standard input is read.
    pub total: AtomicU64,
    /// Tasks flattened and handed to the store.
    pub tasks: AtomicU64,
}

/// What an ingest did, for its summary.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IngestReport {
    pub run_id: String,
    pub files: u64,
    /// Tasks read and accepted (a task id seen twice counts twice).
    pub tasks_read: u64,
    /// Distinct tasks written.
    pub tasks_written: u64,
    pub rows: Vec<(Table, u64)>,
    /// Rows of earlier versions of these tasks that were replaced.
    pub replaced: Vec<(Table, u64)>,
    pub quarantined: u64,
    /// Keys kept in an `extra_json` column.
    pub extra_fields: u64,
    /// Things worth saying that did not stop the run (an empty file).
    pub warnings: Vec<String>,
    /// The first few quarantined records: where and why.
    pub quarantine_sample: Vec<QuarantineEntry>,
}

const QUARANTINE_SAMPLE: usize = 10;

impl IngestReport {
    /// Adds a later run's counts to this one, for a command that commits several runs (a sync
    /// that checkpoints). The run id stays the first run's.
    pub fn absorb(&mut self, later: IngestReport) {
        fn add(to: &mut Vec<(Table, u64)>, from: Vec<(Table, u64)>) {
            for (t, n) in from {
                match to.iter_mut().find(|(tt, _)| *tt == t) {
                    Some((_, m)) => *m += n,
                    None => to.push((t, n)),
                }
            }
            to.sort_by_key(|(t, _)| Table::ALL.iter().position(|a| a == t));
        }
        if self.run_id.is_empty() {
            self.run_id = later.run_id;
        }
        self.files += later.files;
        self.tasks_read += later.tasks_read;
        self.tasks_written += later.tasks_written;
        add(&mut self.rows, later.rows);
        add(&mut self.replaced, later.replaced);
        self.quarantined += later.quarantined;
        self.extra_fields += later.extra_fields;
        self.warnings.extend(later.warnings);
        let room = QUARANTINE_SAMPLE.saturating_sub(self.quarantine_sample.len());
        self.quarantine_sample
            .extend(later.quarantine_sample.into_iter().take(room));
    }
}

/// Ingests `inputs` into the dataset as one run: all of it is committed, or none.
pub async fn ingest(inputs: &[Input], opts: &IngestOptions) -> Result<IngestReport, IngestError> {
    let files = expand(inputs)?;
    if let Some(total) = total_size(&files)? {
        opts.progress.total.store(total, Ordering::Relaxed);
    }
    let mut ingester = Ingester::begin(opts).await?;
    for input in &files {
        ingester.push_input(input).await?;
    }
    ingester.commit().await
}

/// One run fed piece by piece: files, or pages of JSON that arrive from elsewhere (the API).
/// Nothing is visible to readers until [`Ingester::commit`]; dropping it leaves the dataset as
/// it was.
#[derive(Debug)]
pub struct Ingester {
    run: Run,
    report: IngestReport,
    batch_tasks: usize,
    workers: usize,
    progress: Arc<Progress>,
    /// For pages, which are small enough to flatten where they arrive.
    flattener: Flattener,
}

impl Ingester {
    /// Starts a run on `opts.dataset`, creating the dataset if needed.
    pub async fn begin(opts: &IngestOptions) -> Result<Ingester, IngestError> {
        Ok(Ingester {
            run: Dataset::begin_run(&opts.dataset, opts.run.clone()).await?,
            report: IngestReport::default(),
            batch_tasks: opts.batch_tasks.max(1),
            workers: opts.workers.max(1),
            progress: opts.progress.clone(),
            flattener: Flattener::new(),
        })
    }

    /// Reads one file or standard input, flattening on `workers` threads while this task
    /// writes. A file that holds no JSON at all fails the run.
    pub async fn push_input(&mut self, input: &Input) -> Result<(), IngestError> {
        let name = input.display_name();
        let mut counts = Counts::default();
        let reader = input.open(self.progress.clone())?;
        let mut chunks = pipeline::Pipeline::start(reader, &name, self.workers, self.batch_tasks);
        while let Some(chunk) = chunks.next().await {
            self.absorb(chunk, &mut counts).await?;
        }
        counts.records = chunks.finish().map_err(|e| IngestError::read(&name, e))?;
        if counts.records == 0 {
            self.report
                .warnings
                .push(format!("{name}: empty: no JSON in it, nothing read"));
        } else if counts.accepted == 0 && counts.other_rejects == 0 && counts.not_json > 0 {
            return Err(IngestError::NotJson {
                path: name,
                reason: counts.first_reason.unwrap_or_default(),
            });
        }
        self.report.files += 1;
        Ok(())
    }

    /// Reads one page (an API response body, or any JSON container of tasks) named `name` in
    /// the quarantine.
    pub async fn push_page(&mut self, name: &str, page: &[u8]) -> Result<(), IngestError> {
        let records: Vec<Record> = RecordReader::new(page)
            .collect::<Result<_, _>>()
            .map_err(|e| IngestError::read(name, e))?;
        let chunk = pipeline::flatten(&mut self.flattener, name, &records);
        self.absorb(chunk, &mut Counts::default()).await
    }

    /// Sets named state, committed together with the rows pushed so far.
    pub fn set_state(&mut self, key: &str, value: Option<serde_json::Value>) {
        self.run.set_state(key, value);
    }

    /// Writes a flattened chunk: its rejects to the quarantine, its rows to the run.
    async fn absorb(
        &mut self,
        chunk: pipeline::Chunk,
        counts: &mut Counts,
    ) -> Result<(), IngestError> {
        for (not_json, entry) in chunk.rejected {
            if not_json {
                counts.not_json += 1;
            } else {
                counts.other_rejects += 1;
            }
            counts
                .first_reason
                .get_or_insert_with(|| entry.reason.clone());
            self.run.quarantine(&entry)?;
            if self.report.quarantine_sample.len() < QUARANTINE_SAMPLE {
                self.report.quarantine_sample.push(entry);
            }
            self.report.quarantined += 1;
        }
        counts.accepted += chunk.tasks;
        self.progress
            .tasks
            .fetch_add(chunk.tasks, Ordering::Relaxed);
        self.report.tasks_read += chunk.tasks;
        self.report.extra_fields += chunk.extra_fields;
        for b in chunk.batches {
            self.run.write(b.batches).await?;
        }
        Ok(())
    }

    /// Commits the run: all of it becomes visible at once.
    pub async fn commit(self) -> Result<IngestReport, IngestError> {
        let summary = self.run.commit().await?;
        let mut report = self.report;
        report.run_id = summary.run_id;
        report.tasks_written = summary.tasks;
        report.rows = summary.rows;
        report.replaced = summary.replaced;
        Ok(report)
    }
}

/// What one input held.
#[derive(Debug, Default)]
struct Counts {
    records: u64,
    accepted: u64,
    not_json: u64,
    other_rejects: u64,
    first_reason: Option<String>,
}
