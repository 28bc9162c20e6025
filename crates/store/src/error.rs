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
    #[error("{path}: {source}")]
    ManifestJson {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("{path}: no taskq dataset here (no _taskq/manifest.json)")]
    NotADataset { path: PathBuf },
    #[error(
        "{path}: another taskq (process {pid}) is writing this dataset; if none is running, delete this file"
    )]
    Locked { path: PathBuf, pid: String },
    #[error("table `{table}`: batch does not match the declared schema: {reason}")]
    Schema { table: Table, reason: String },
    #[error("table `{table}`: {source}")]
    Arrow {
        table: Table,
        #[source]
        source: arrow::error::ArrowError,
    },
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

/// What a task spawned for table `t` returned: its panic is raised again here, and a
/// cancellation becomes a store error.
pub(crate) async fn joined<T>(t: Table, task: tokio::task::JoinHandle<T>) -> Result<T, StoreError> {
    match task.await {
        Ok(done) => Ok(done),
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => Err(StoreError::delta(t)(deltalake::DeltaTableError::Generic(
            e.to_string(),
        ))),
    }
}
