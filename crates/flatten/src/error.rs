//! Why a record was rejected.

/// Why a record was not ingested.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("not valid JSON: {0}")]
    NotJson(String),
    #[error("{0}")]
    Broken(&'static str),
    #[error("a task must be a JSON object, found {found}")]
    NotObject { found: &'static str },
    #[error("field `task_id`: expected a string, found {found}")]
    NoTaskId { found: &'static str },
    #[error("field `{field}`: expected {expected}, found {found}")]
    BadField {
        field: &'static str,
        expected: &'static str,
        found: &'static str,
    },
}

/// A record that went to quarantine.
#[derive(Debug, Clone)]
pub struct Rejected {
    /// Position of the task inside an envelope held on one line; `None` for the record itself.
    pub element: Option<usize>,
    pub error: RecordError,
    /// The record's text, with secrets redacted.
    pub text: String,
}
