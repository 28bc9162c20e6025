//! One run: batches of whole tasks stream into each table's files; at commit every table
//! commits a new version and the manifest records the run.
//!
//! A run is committed in segments: a stretch of its input in which each task id occurs at most
//! once. A task id that comes again closes the segment first, so the later occurrence replaces
//! the earlier one like any re-ingested task ([`upsert`]).

mod upsert;

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use arrow::array::{Array, AsArray};
use arrow::record_batch::RecordBatch;
use deltalake::DeltaTable;
use deltalake::kernel::Action;
use deltalake::kernel::transaction::CommitBuilder;
use deltalake::protocol::{DeltaOperation, SaveMode};
use taskq_core::Table;

use crate::encode::{EncodeOptions, TableWriter};
use crate::error::joined;
use crate::ids::TaskIds;
use crate::lock::WriteLock;
use crate::manifest::{DIR, Manifest, QuarantineEntry, RunRecord};
use crate::read::{create_table, open_latest, table_path};
use crate::{Dataset, StoreError};

/// What a committed run did.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    pub run_id: String,
    /// Distinct task ids the run carried.
    pub tasks: u64,
    /// Tasks written again within the run: each later copy replaced the one before.
    pub repeats: u64,
    /// Rows the run's tasks have per table, in [`Table::ALL`] order (tables with none left
    /// out): a repeated task's rows count once, as its last copy wrote them.
    pub rows: Vec<(Table, u64)>,
    pub quarantined: u64,
    /// Rows of the dataset's earlier versions of the run's tasks that were removed, per table.
    pub replaced: Vec<(Table, u64)>,
}

/// An ingest run in progress. Nothing it writes is visible to readers until [`Run::commit`];
/// dropping it instead leaves the dataset as it was.
pub struct Run {
    root: PathBuf,
    run_id: String,
    manifest: Manifest,
    /// Per table, in [`Table::ALL`] order: the table at its last committed version, and its
    /// writer.
    tables: Vec<(DeltaTable, TableWriter)>,
    /// Every task id of the run, with the segment it was last written in.
    ids: TaskIds,
    segment: u32,
    segment_len: usize,
    /// Ids of the current segment that an earlier segment of the run wrote too.
    segment_repeats: HashSet<String>,
    repeats: u64,
    rows: BTreeMap<Table, u64>,
    replaced: BTreeMap<Table, u64>,
    /// Rows of the run's own earlier copies of repeated tasks, removed, per table.
    repeated: BTreeMap<Table, u64>,
    quarantine: Option<(PathBuf, BufWriter<File>)>,
    quarantined: u64,
    /// Folders this run made, removed again if it never commits: a first run that fails leaves
    /// no half-made dataset behind. Nothing that existed before the run is ever removed.
    created: Vec<PathBuf>,
    committed: bool,
    _lock: WriteLock,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Run")
            .field("root", &self.root)
            .field("run_id", &self.run_id)
            .field("rows", &self.rows)
            .finish()
    }
}

impl Dataset {
    /// Starts a run on the dataset at `root`, creating it if needed. Tables that a failed run
    /// left ahead of the manifest are rolled back first.
    pub async fn begin_run(root: &Path, opts: EncodeOptions) -> Result<Run, StoreError> {
        let root = std::path::absolute(root).map_err(StoreError::io(root))?;
        let meta = root.join(DIR);
        let mut created: Vec<PathBuf> = [&root, &meta]
            .into_iter()
            .filter(|p| !p.exists())
            .cloned()
            .collect();
        std::fs::create_dir_all(meta.join("quarantine")).map_err(StoreError::io(&meta))?;
        let lock = WriteLock::acquire(&meta)?;
        let manifest = Manifest::load(&root)?.unwrap_or_default();
        // Each table opens (or is created) on a runtime thread of its own: the Delta log work is
        // CPU-bound, and on a small input these 17 opens are a good part of the whole run.
        let opening: Vec<_> = Table::ALL
            .iter()
            .map(|&t| {
                let (root, version) = (root.clone(), manifest.version(t.name()));
                tokio::spawn(async move { open_for_run(&root, t, version).await })
            })
            .collect();
        // Every open is waited for before an error returns, so none outlives the run's lock.
        let mut opened = Vec::new();
        for (t, handle) in Table::ALL.iter().zip(opening) {
            opened.push(joined(*t, handle).await.and_then(|r| r));
        }
        let mut tables = Vec::new();
        for (t, result) in Table::ALL.iter().zip(opened) {
            let (table, made) = result?;
            if made {
                created.push(table_path(&root, *t));
            }
            let writer = TableWriter::new(*t, table_path(&root, *t), &opts);
            tables.push((table, writer));
        }
        Ok(Run {
            root,
            run_id: new_run_id(),
            manifest,
            tables,
            ids: TaskIds::default(),
            segment: 0,
            segment_len: 0,
            segment_repeats: HashSet::new(),
            repeats: 0,
            rows: BTreeMap::new(),
            replaced: BTreeMap::new(),
            repeated: BTreeMap::new(),
            quarantine: None,
            quarantined: 0,
            created,
            committed: false,
            _lock: lock,
        })
    }
}

/// Table `t` as a run starts on it: rolled back to the manifest's `version` if a failed run
/// left it ahead, or made anew (true) when the manifest does not name it yet.
async fn open_for_run(
    root: &Path,
    t: Table,
    version: Option<u64>,
) -> Result<(DeltaTable, bool), StoreError> {
    match (open_latest(root, t).await?, version) {
        (Some(table), Some(v)) if table.version() > Some(v) => {
            let restored = table
                .restore()
                .with_version_to_restore(v)
                .await
                .map_err(StoreError::delta(t))?
                .0;
            Ok((restored, false))
        }
        (Some(table), Some(_)) => Ok((table, false)),
        (None, Some(_)) => Err(StoreError::Manifest {
            path: table_path(root, t),
            reason: "the manifest names this table, but it is gone".into(),
        }),
        (existing, None) => {
            if existing.is_some() {
                // Created by a run that never completed: nothing in it was ever visible.
                let dir = table_path(root, t);
                std::fs::remove_dir_all(&dir).map_err(StoreError::io(&dir))?;
            }
            Ok((create_table(root, t).await?, true))
        }
    }
}

/// Commits `actions` to `table`, returning the table at its new version. Removing files makes
/// it an overwrite.
async fn commit_table(
    t: Table,
    mut table: DeltaTable,
    actions: Vec<Action>,
) -> Result<DeltaTable, StoreError> {
    let mode = if actions.iter().any(|a| matches!(a, Action::Remove(_))) {
        SaveMode::Overwrite
    } else {
        SaveMode::Append
    };
    let snapshot = table.snapshot().map_err(StoreError::delta(t))?;
    CommitBuilder::default()
        .with_actions(actions)
        .build(
            Some(snapshot),
            table.log_store(),
            DeltaOperation::Write {
                mode,
                partition_by: None,
                predicate: None,
            },
        )
        .await
        .map_err(StoreError::delta(t))?;
    table.update_state().await.map_err(StoreError::delta(t))?;
    Ok(table)
}

fn new_run_id() -> String {
    let now = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("{now}-{}", &id[..8])
}

impl Run {
    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// Sets named state (see [`Manifest::state`]), committed with this run's rows; `None` removes it.
    pub fn set_state(&mut self, key: &str, value: Option<serde_json::Value>) {
        match value {
            Some(v) => self.manifest.state.insert(key.to_owned(), v),
            None => self.manifest.state.remove(key),
        };
    }

    /// Writes the rows of whole tasks, each task id at most once in `batches`.
    pub async fn write(&mut self, batches: Vec<(Table, RecordBatch)>) -> Result<(), StoreError> {
        let tasks: Vec<RecordBatch> = batches
            .iter()
            .filter(|(t, _)| *t == Table::Tasks)
            .map(|(_, b)| b.clone())
            .collect();
        let written_in: Vec<Option<u32>> = tasks
            .iter()
            .flat_map(task_ids)
            .map(|id| self.ids.segment(id))
            .collect();
        if written_in.contains(&Some(self.segment)) {
            self.commit_segment().await?;
        }
        for (t, batch) in batches {
            if batch.schema() != t.schema() {
                return Err(StoreError::Schema {
                    table: t,
                    reason: format!("got {:?}", batch.schema()),
                });
            }
            *self.rows.entry(t).or_default() += batch.num_rows() as u64;
            self.tables[t as usize].1.write(batch).await?;
        }
        for (id, before) in tasks.iter().flat_map(task_ids).zip(written_in) {
            if before.is_some() {
                self.repeats += 1;
                self.segment_repeats.insert(id.to_owned());
            }
            self.ids.insert(id, self.segment);
            self.segment_len += 1;
        }
        Ok(())
    }

    fn in_segment(&self, id: &str) -> bool {
        self.ids.segment(id) == Some(self.segment)
    }

    /// Rows written per table, less those of earlier copies the run replaced itself.
    fn net_rows(&self) -> impl Iterator<Item = (Table, u64)> {
        self.rows.iter().map(|(t, n)| {
            let repeated = self.repeated.get(t).copied().unwrap_or(0);
            (*t, n - repeated)
        })
    }

    /// Keeps a rejected record in the run's quarantine file (written through at commit).
    pub fn quarantine(&mut self, entry: &QuarantineEntry) -> Result<(), StoreError> {
        if self.quarantine.is_none() {
            let path = self
                .root
                .join(DIR)
                .join("quarantine")
                .join(format!(".{}.jsonl.partial", self.run_id));
            let f = File::create(&path).map_err(StoreError::io(&path))?;
            self.quarantine = Some((path, BufWriter::new(f)));
        }
        if let Some((path, w)) = &mut self.quarantine {
            let line = serde_json::to_string(entry).unwrap_or_default();
            writeln!(w, "{line}").map_err(StoreError::io(path.as_path()))?;
        }
        self.quarantined += 1;
        Ok(())
    }

    /// Commits what was written since the last segment, table by table: new files in, and every
    /// earlier row of the segment's tasks out (their files rewritten without them).
    async fn commit_segment(&mut self) -> Result<(), StoreError> {
        if self.segment_len == 0 {
            return Ok(());
        }
        // Table by table, earlier rows go (their files' other rows are written back) and the open
        // files close, one at a time so their last row groups are not all in memory at once; the
        // Delta commits, CPU-bound log work, run side by side. Readers see none of it before the
        // manifest names the new versions.
        let mut commits = Vec::new();
        let mut failed = None;
        for t in Table::ALL.iter().copied() {
            let actions = match self.segment_actions(t).await {
                Ok(actions) => actions,
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            };
            if actions.is_empty() {
                continue;
            }
            let table = self.tables[t as usize].0.clone();
            commits.push((t, tokio::spawn(commit_table(t, table, actions))));
        }
        // Every commit is waited for, even after a failure, so none outlives the run's lock.
        for (t, task) in commits {
            match joined(t, task).await.and_then(|r| r) {
                Ok(table) => self.tables[t as usize].0 = table,
                Err(e) => {
                    failed.get_or_insert(e);
                }
            }
        }
        if let Some(e) = failed {
            return Err(e);
        }
        self.segment += 1;
        self.segment_len = 0;
        self.segment_repeats.clear();
        Ok(())
    }

    /// What table `t` commits for the segment: the files its writer closed, and the files
    /// holding earlier rows of the segment's tasks (their other rows written back) to remove.
    async fn segment_actions(&mut self, t: Table) -> Result<Vec<Action>, StoreError> {
        let removes = self.drop_earlier_rows(t).await?;
        let adds = self.tables[t as usize].1.finish().await?;
        Ok(adds
            .into_iter()
            .map(Action::Add)
            .chain(removes.into_iter().map(Action::Remove))
            .collect())
    }

    /// Commits every table, then records the run in the manifest: the moment it becomes visible.
    pub async fn commit(mut self) -> Result<RunSummary, StoreError> {
        self.commit_segment().await?;
        if let Some((path, mut w)) = self.quarantine.take() {
            w.flush().map_err(StoreError::io(&path))?;
            let done = path.with_file_name(format!("{}.jsonl", self.run_id));
            std::fs::rename(&path, &done).map_err(StoreError::io(&done))?;
        }
        let versions = Table::ALL
            .iter()
            .zip(&self.tables)
            .map(|(t, (table, _))| (t.name().to_owned(), table.version().unwrap_or(0)))
            .collect();
        let record = RunRecord {
            run_id: self.run_id.clone(),
            finished_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            tasks: self.ids.len() as u64,
            rows: self
                .net_rows()
                .map(|(t, n)| (t.name().to_owned(), n))
                .collect(),
            quarantined: self.quarantined,
            versions,
        };
        self.manifest.runs.push(record);
        self.manifest.save(&self.root)?;
        self.committed = true;
        Ok(RunSummary {
            run_id: self.run_id.clone(),
            tasks: self.ids.len() as u64,
            repeats: self.repeats,
            rows: self.net_rows().collect(),
            quarantined: self.quarantined,
            replaced: self.replaced.iter().map(|(t, n)| (*t, *n)).collect(),
        })
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        // Writes still in flight are aborted before the folders they write into may go.
        self.tables.clear();
        if self.committed {
            return;
        }
        // Not committed: the partial quarantine file and the folders the run made go with it.
        if let Some((path, _)) = self.quarantine.take() {
            let _ = std::fs::remove_file(path);
        }
        for dir in self.created.iter().rev() {
            if dir == &self.root {
                let _ = std::fs::remove_dir(dir);
            } else {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
    }
}

/// The `task_id` column (always the first) of a batch.
fn task_ids(batch: &RecordBatch) -> impl Iterator<Item = &str> {
    let col = batch.column(0).as_string::<i32>();
    (0..col.len()).map(move |i| col.value(i))
}
