/// Why an ingest run failed; nothing was committed.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{path}: no such file or folder")]
    Missing { path: String },
    #[error("{path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: the compressed stream ends early (truncated file?)")]
    Truncated { path: String },
    #[error("{path}: not JSON: {reason}")]
    NotJson { path: String, reason: String },
    #[error(transparent)]
    Store(#[from] taskq_store::StoreError),
}

impl IngestError {
    pub(crate) fn read(path: &str, source: std::io::Error) -> IngestError {
        let path = path.to_owned();
        match source.kind() {
            std::io::ErrorKind::UnexpectedEof => IngestError::Truncated { path },
            _ => IngestError::Read { path, source },
        }
    }
}
