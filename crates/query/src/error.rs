use datafusion::error::DataFusionError;
use datafusion::sql::sqlparser::parser::ParserError;

/// Why a query or its output failed.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error("{0}")]
    DataFusion(#[source] DataFusionError),
    /// SQL that does not parse, in the parser's words (DataFusion's own message quotes them in
    /// their debug form).
    #[error("{0}")]
    Syntax(Box<ParserError>),
    /// SQL text that parses but cannot run as given.
    #[error("{0}")]
    Statement(String),
    #[error(transparent)]
    Store(#[from] taskq_store::StoreError),
    #[error("writing {format} output: {source}")]
    Output {
        format: &'static str,
        #[source]
        source: arrow::error::ArrowError,
    },
    #[error("writing output: {0}")]
    Io(#[from] std::io::Error),
}

impl QueryError {
    /// True when the reader of the output went away (`taskq sql ... | head`): not a failure.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, QueryError::Io(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

impl From<DataFusionError> for QueryError {
    fn from(e: DataFusionError) -> Self {
        match e {
            DataFusionError::SQL(parse, _) => QueryError::Syntax(parse),
            other => QueryError::DataFusion(other),
        }
    }
}
