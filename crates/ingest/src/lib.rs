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

use std::path::PathBuf;

use taskq_core::Table;
use taskq_flatten::{Flattener, RecordError, RecordReader};
use taskq_store::{Dataset, QuarantineEntry, RunOptions};

pub use error::IngestError;
pub use input::Input;
use input::expand;

/// How to ingest.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// The dataset folder; created if missing.
    pub dataset: PathBuf,
    /// Tasks flattened in memory before they are handed to the store.
    pub batch_tasks: usize,
    pub run: RunOptions,
}

impl IngestOptions {
    pub fn new(dataset: PathBuf) -> Self {
        IngestOptions {
            dataset,
            batch_tasks: 2048,
            run: RunOptions::default(),
        }
    }
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

/// Ingests `inputs` into the dataset as one run: all of it is committed, or none.
pub async fn ingest(inputs: &[Input], opts: &IngestOptions) -> Result<IngestReport, IngestError> {
    let files = expand(inputs)?;
    let mut run = Dataset::begin_run(&opts.dataset, opts.run.clone()).await?;
    let mut flattener = Flattener::new();
    let mut report = IngestReport::default();

    for input in &files {
        let name = input.display_name();
        let mut records = RecordReader::new(input.open()?);
        let before = flattener.stats().tasks;
        let (mut not_json, mut other_rejects, mut first_reason) = (0u64, 0u64, None);
        for record in records.by_ref() {
            let record = record.map_err(|e| IngestError::read(&name, e))?;
            for rejected in flattener.push(&record) {
                match rejected.error {
                    RecordError::NotJson(_) | RecordError::Broken(_) => not_json += 1,
                    _ => other_rejects += 1,
                }
                let entry = QuarantineEntry {
                    source: name.clone(),
                    line: record.line,
                    offset: record.offset,
                    element: rejected.element,
                    reason: rejected.error.to_string(),
                    record: rejected.text,
                };
                first_reason.get_or_insert_with(|| entry.reason.clone());
                run.quarantine(&entry)?;
                if report.quarantine_sample.len() < QUARANTINE_SAMPLE {
                    report.quarantine_sample.push(entry);
                }
                report.quarantined += 1;
            }
            if flattener.buffered_tasks() >= opts.batch_tasks {
                for b in flattener.take() {
                    run.write(b.batches).await?;
                }
            }
        }
        let accepted = flattener.stats().tasks - before;
        if records.records() == 0 {
            report
                .warnings
                .push(format!("{name}: empty: no JSON in it, nothing read"));
        } else if accepted == 0 && other_rejects == 0 && not_json > 0 {
            return Err(IngestError::NotJson {
                path: name,
                reason: first_reason.unwrap_or_default(),
            });
        }
        report.files += 1;
    }
    for b in flattener.take() {
        run.write(b.batches).await?;
    }
    let summary = run.commit().await?;
    report.run_id = summary.run_id;
    report.tasks_read = flattener.stats().tasks;
    report.tasks_written = summary.tasks;
    report.rows = summary.rows;
    report.replaced = summary.replaced;
    report.extra_fields = flattener.stats().extra_fields;
    Ok(report)
}
