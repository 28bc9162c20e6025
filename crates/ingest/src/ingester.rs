//! An ingest run: inputs or pages in, one all-or-nothing commit out.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use taskq_flatten::{Flattener, Record, RecordReader};
use taskq_store::{Dataset, Run};

use crate::IngestError;
use crate::input::{Input, expand, total_size};
use crate::options::{IngestCounters, IngestOptions};
use crate::pipeline;
use crate::report::{IngestReport, QUARANTINE_SAMPLE};

/// Ingests `inputs` into the dataset as one run: all of it is committed, or none.
pub async fn ingest(inputs: &[Input], opts: &IngestOptions) -> Result<IngestReport, IngestError> {
    let found = expand(inputs)?;
    if let Some(total) = total_size(&found.files)? {
        opts.counters.total.store(total, Ordering::Relaxed);
    }
    let mut ingester = Ingester::begin(opts).await?;
    ingester.report.files_skipped = found.skipped.len() as u64;
    ingester.report.warnings.extend(found.skipped);
    ingester.report.warnings.extend(found.empty);
    for input in &found.files {
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
    counters: Arc<IngestCounters>,
    /// For pages, which are small enough to flatten where they arrive.
    flattener: Flattener,
}

impl Ingester {
    /// Starts a run on `opts.dataset`, creating the dataset if needed.
    pub async fn begin(opts: &IngestOptions) -> Result<Ingester, IngestError> {
        Ok(Ingester {
            run: Dataset::begin_run(&opts.dataset, opts.encode.clone()).await?,
            report: IngestReport::default(),
            batch_tasks: opts.batch_tasks.max(1),
            workers: opts.workers.max(1),
            counters: opts.counters.clone(),
            flattener: Flattener::new(),
        })
    }

    /// Reads one file or standard input, flattening on `workers` threads while this task
    /// writes. A file that holds no JSON at all fails the run.
    pub async fn push_input(&mut self, input: &Input) -> Result<(), IngestError> {
        let name = input.display_name();
        let mut counts = Counts::default();
        let reader = input.open(self.counters.clone())?;
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
        self.counters
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
        report.tasks_repeated = summary.repeats;
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
