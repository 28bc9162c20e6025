//! What an ingest did, for its summary.

use taskq_core::Table;
use taskq_store::QuarantineEntry;

/// What an ingest did, for its summary.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IngestReport {
    pub run_id: String,
    pub files: u64,
    /// Files and folders passed over inside the folders read (each named in `warnings`).
    pub files_skipped: u64,
    /// Tasks read and accepted (a task id seen twice counts twice).
    pub tasks_read: u64,
    /// Distinct tasks written.
    pub tasks_written: u64,
    /// Tasks read again within the ingest: each later copy replaced the one before.
    pub tasks_repeated: u64,
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

pub(crate) const QUARANTINE_SAMPLE: usize = 10;

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
        self.files_skipped += later.files_skipped;
        self.tasks_read += later.tasks_read;
        self.tasks_written += later.tasks_written;
        self.tasks_repeated += later.tasks_repeated;
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
