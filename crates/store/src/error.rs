use std::path::PathBuf;

use taskq_core::Table;

/// Everything that can go wrong reading or writing a dataset.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("table `{table}`: {source}")]
    Delta {
        table: Table,
        #[source]
        source: Box<deltalake::DeltaTableError>,
    },
    #[error("{path}: {source}")]
    Parquet {
        path: PathBuf,
        #[source]
        source: parquet::errors::ParquetError,
    },
    #[error("{path}: {reason}")]
    Manifest { path: PathBuf, reason: String },
    #[error("{path}: no taskq dataset here (no _taskq/manifest.json)")]
    NotADataset { path: PathBuf },
    #[error(
        "{path}: another taskq (process {pid}) is writing this dataset; if none is running, delete this file"
    )]
    Locked { path: PathBuf, pid: String },
    #[error("table `{table}`: batch does not match the declared schema: {reason}")]
    Schema { table: Table, reason: String },
}

impl StoreError {
    pub(crate) fn delta(table: Table) -> impl FnOnce(deltalake::DeltaTableError) -> StoreError {
        move |e| StoreError::Delta {
            table,
            source: Box::new(e),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> StoreError {
        let path = path.into();
        move |source| StoreError::Io { path, source }
    }

    /// A Parquet (or Arrow, on the way to or from Parquet) error about the file at `path`.
    pub(crate) fn parquet<E: Into<parquet::errors::ParquetError>>(
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(E) -> StoreError {
        let path = path.into();
        move |e| StoreError::Parquet {
            path,
            source: e.into(),
        }
    }
}
