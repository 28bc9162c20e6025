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

use std::io::BufRead;
use std::path::PathBuf;

use taskq_core::Table;
use taskq_flatten::{Flattener, RecordError, RecordReader};
use taskq_store::{Dataset, QuarantineEntry, Run, RunOptions};

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
    flattener: Flattener,
    report: IngestReport,
    batch_tasks: usize,
}

impl Ingester {
    /// Starts a run on `opts.dataset`, creating the dataset if needed.
    pub async fn begin(opts: &IngestOptions) -> Result<Ingester, IngestError> {
        Ok(Ingester {
            run: Dataset::begin_run(&opts.dataset, opts.run.clone()).await?,
            flattener: Flattener::new(),
            report: IngestReport::default(),
            batch_tasks: opts.batch_tasks,
        })
    }

    /// Reads one file or standard input. A file that holds no JSON at all fails the run.
    pub async fn push_input(&mut self, input: &Input) -> Result<(), IngestError> {
        let name = input.display_name();
        let counts = self.push_reader(&name, input.open()?).await?;
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
    /// the quarantine. Returns the tasks it accepted.
    pub async fn push_page(&mut self, name: &str, page: &[u8]) -> Result<u64, IngestError> {
        Ok(self.push_reader(name, page).await?.accepted)
    }

    /// Named state as the last completed run left it.
    pub fn state(&self, key: &str) -> Option<&serde_json::Value> {
        self.run.state(key)
    }

    /// Sets named state, committed together with the rows pushed so far.
    pub fn set_state(&mut self, key: &str, value: Option<serde_json::Value>) {
        self.run.set_state(key, value);
    }

    /// Tasks accepted so far.
    pub fn tasks_read(&self) -> u64 {
        self.flattener.stats().tasks
    }

    async fn push_reader(&mut self, name: &str, r: impl BufRead) -> Result<Counts, IngestError> {
        let mut records = RecordReader::new(r);
        let before = self.flattener.stats().tasks;
        let mut counts = Counts::default();
        for record in records.by_ref() {
            let record = record.map_err(|e| IngestError::read(name, e))?;
            for rejected in self.flattener.push(&record) {
                match rejected.error {
                    RecordError::NotJson(_) | RecordError::Broken(_) => counts.not_json += 1,
                    _ => counts.other_rejects += 1,
                }
                let entry = QuarantineEntry {
                    source: name.to_owned(),
                    line: record.line,
                    offset: record.offset,
                    element: rejected.element,
                    reason: rejected.error.to_string(),
                    record: rejected.text,
                };
                counts
                    .first_reason
                    .get_or_insert_with(|| entry.reason.clone());
                self.run.quarantine(&entry)?;
                if self.report.quarantine_sample.len() < QUARANTINE_SAMPLE {
                    self.report.quarantine_sample.push(entry);
                }
                self.report.quarantined += 1;
            }
            if self.flattener.buffered_tasks() >= self.batch_tasks {
                for b in self.flattener.take() {
                    self.run.write(b.batches).await?;
                }
            }
        }
        counts.records = records.records();
        counts.accepted = self.flattener.stats().tasks - before;
        Ok(counts)
    }

    /// Writes what is buffered and commits the run: all of it becomes visible at once.
    pub async fn commit(mut self) -> Result<IngestReport, IngestError> {
        for b in self.flattener.take() {
            self.run.write(b.batches).await?;
        }
        let summary = self.run.commit().await?;
        let mut report = self.report;
        report.run_id = summary.run_id;
        report.tasks_read = self.flattener.stats().tasks;
        report.tasks_written = summary.tasks;
        report.rows = summary.rows;
        report.replaced = summary.replaced;
        report.extra_fields = self.flattener.stats().extra_fields;
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
