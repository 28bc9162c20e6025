/// Why an ingest run failed; nothing was committed.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{path}: no such file or folder")]
    Missing { path: String },
    #[error("{path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{path}: not JSON: {reason}")]
    NotJson { path: String, reason: String },
    #[error(transparent)]
    Store(#[from] taskq_store::StoreError),
}

impl IngestError {
    pub(crate) fn read(path: &str, e: std::io::Error) -> IngestError {
        let reason = match e.kind() {
            std::io::ErrorKind::UnexpectedEof => {
                "the compressed stream ends early (truncated file?)".to_owned()
            }
            _ => e.to_string(),
        };
        IngestError::Read {
            path: path.to_owned(),
            reason,
        }
    }
}
