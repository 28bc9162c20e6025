//! `_taskq/manifest.json`: the runs that completed, and the table versions each left behind.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::StoreError;

pub(crate) const DIR: &str = "_taskq";
const FILE: &str = "manifest.json";
const FORMAT: u32 = 1;

/// One completed ingest run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunRecord {
    pub run_id: String,
    /// RFC 3339, UTC.
    pub finished_at: String,
    /// Tasks the run carried (each task id once).
    pub tasks: u64,
    /// Rows the run's tasks have per table: a task the run wrote twice counts once; rows of
    /// versions from before the run that it replaced are not subtracted.
    pub rows: BTreeMap<String, u64>,
    pub quarantined: u64,
    /// The Delta version of every table as this run left it: what readers open.
    pub versions: BTreeMap<String, u64>,
}

/// The run history of a dataset; the last run's versions are the dataset's visible state.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub format: u32,
    pub runs: Vec<RunRecord>,
    /// Named state that writers keep with the data (a sync's watermark and checkpoint): it is
    /// replaced in the same atomic step that makes a run's rows visible, so the two never disagree.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub state: BTreeMap<String, serde_json::Value>,
}

/// A rejected record, as kept in `_taskq/quarantine/RUN.jsonl`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct QuarantineEntry {
    /// File path, or `-` for standard input.
    pub source: String,
    /// 1-based line where the record starts.
    pub line: u64,
    /// Byte offset where the record starts (in the decompressed stream).
    pub offset: u64,
    /// Position of the task inside an envelope held on one line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub element: Option<usize>,
    pub reason: String,
    /// The record's text, secrets redacted.
    pub record: String,
}

impl Manifest {
    pub(crate) fn path(root: &Path) -> PathBuf {
        root.join(DIR).join(FILE)
    }

    /// The version of `table` that readers should open; `None` before a run created it.
    pub fn version(&self, table: &str) -> Option<u64> {
        self.runs.last()?.versions.get(table).copied()
    }

    pub(crate) fn load(root: &Path) -> Result<Option<Manifest>, StoreError> {
        let path = Self::path(root);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(StoreError::Io { path, source: e }),
        };
        let m: Manifest =
            serde_json::from_str(&text).map_err(|source| StoreError::ManifestJson {
                path: path.clone(),
                source,
            })?;
        if m.format != FORMAT {
            return Err(StoreError::Manifest {
                path,
                reason: format!(
                    "format {} is not the format {FORMAT} this taskq reads",
                    m.format
                ),
            });
        }
        Ok(Some(m))
    }

    /// Replaces the manifest atomically: readers see the old one or the new one, never a mix.
    pub(crate) fn save(&self, root: &Path) -> Result<(), StoreError> {
        let path = Self::path(root);
        let tmp = path.with_extension("json.tmp");
        let text = serde_json::to_string_pretty(&Manifest {
            format: FORMAT,
            ..self.clone()
        })
        .map_err(|source| StoreError::ManifestJson {
            path: path.clone(),
            source,
        })?;
        let mut f = std::fs::File::create(&tmp).map_err(StoreError::io(&tmp))?;
        f.write_all(text.as_bytes()).map_err(StoreError::io(&tmp))?;
        f.sync_all().map_err(StoreError::io(&tmp))?;
        std::fs::rename(&tmp, &path).map_err(StoreError::io(&path))
    }
}
