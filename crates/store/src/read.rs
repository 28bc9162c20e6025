//! Opening a dataset's tables at the versions its manifest names.

use std::path::{Path, PathBuf};

use deltalake::kernel::StructType;
use deltalake::kernel::engine::arrow_conversion::TryIntoKernel;
use deltalake::{DeltaTable, DeltaTableError};
use taskq_core::Table;
use url::Url;

use crate::StoreError;
use crate::manifest::{DIR, Manifest};

/// A dataset as its last completed run left it.
#[derive(Debug, Clone)]
pub struct Dataset {
    root: PathBuf,
    manifest: Manifest,
}

impl Dataset {
    /// Opens the dataset at `root`. A folder where a first run began but none completed (it was
    /// killed) opens as a dataset with no rows: see [`Dataset::has_completed_run`].
    pub fn open(root: &Path) -> Result<Dataset, StoreError> {
        let root = std::path::absolute(root).map_err(StoreError::io(root))?;
        match Manifest::load(&root)? {
            Some(manifest) => Ok(Dataset { root, manifest }),
            None if root.join(DIR).is_dir() => Ok(Dataset {
                root,
                manifest: Manifest::default(),
            }),
            None => Err(StoreError::NotADataset { path: root }),
        }
    }

    /// False while no run has completed here: every table reads as empty.
    pub fn has_completed_run(&self) -> bool {
        !self.manifest.runs.is_empty()
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The table at the version of the last completed run; `None` if no run has created it.
    pub async fn table(&self, t: Table) -> Result<Option<DeltaTable>, StoreError> {
        let Some(version) = self.manifest.version(t.name()) else {
            return Ok(None);
        };
        let table = deltalake::open_table_with_version(table_url(&self.root, t)?, version)
            .await
            .map_err(StoreError::delta(t))?;
        Ok(Some(table))
    }

    /// Rows per table, from the Delta log's file statistics (no data file is read); a table no
    /// run has made yet has none.
    pub async fn row_counts(&self) -> Result<Vec<(Table, u64)>, StoreError> {
        let mut out = Vec::new();
        for t in Table::ALL {
            let rows = match self.table(*t).await? {
                Some(table) => {
                    let snapshot = table.snapshot().map_err(StoreError::delta(*t))?;
                    snapshot
                        .log_data()
                        .iter()
                        .map(|f| f.num_records().unwrap_or(0) as u64)
                        .sum()
                }
                None => 0,
            };
            out.push((*t, rows));
        }
        Ok(out)
    }
}

pub(crate) fn table_path(root: &Path, t: Table) -> PathBuf {
    root.join(t.name())
}

pub(crate) fn table_url(root: &Path, t: Table) -> Result<Url, StoreError> {
    let path = table_path(root, t);
    Url::from_directory_path(&path).map_err(|()| StoreError::Manifest {
        path,
        reason: "not an absolute path".into(),
    })
}

/// The table's latest version, whatever the manifest says; `None` when there is no table.
pub(crate) async fn open_latest(root: &Path, t: Table) -> Result<Option<DeltaTable>, StoreError> {
    if !table_path(root, t).join("_delta_log").exists() {
        return Ok(None);
    }
    match deltalake::open_table(table_url(root, t)?).await {
        Ok(table) => Ok(Some(table)),
        Err(DeltaTableError::NotATable(_)) => Ok(None),
        Err(e) => Err(StoreError::delta(t)(e)),
    }
}

/// Creates the empty table with its declared schema.
pub(crate) async fn create_table(root: &Path, t: Table) -> Result<DeltaTable, StoreError> {
    let path = table_path(root, t);
    std::fs::create_dir_all(&path).map_err(StoreError::io(&path))?;
    let schema: StructType = t
        .schema()
        .as_ref()
        .try_into_kernel()
        .map_err(|source| StoreError::Arrow { table: t, source })?;
    let table = DeltaTable::try_from_url(table_url(root, t)?)
        .await
        .map_err(StoreError::delta(t))?;
    table
        .create()
        .with_table_name(t.name())
        .with_comment(t.doc())
        .with_columns(schema.fields().cloned())
        .await
        .map_err(StoreError::delta(t))
}
