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
    /// SQL the engine does not support, in its words, made short (see [`unsupported`]).
    #[error("{0}")]
    Unsupported(String),
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
        // DataFusion wraps the errors people need to read (in diagnostics, in context).
        match e.find_root() {
            DataFusionError::SQL(parse, _) => QueryError::Syntax(parse.clone()),
            DataFusionError::NotImplemented(reason) => QueryError::Unsupported(unsupported(reason)),
            _ => QueryError::DataFusion(e),
        }
    }
}

/// DataFusion's reason for refusing SQL it does not support, cut to what a person reads: its
/// first line, and of that the part before a dump of the statement's syntax tree (`Unsupported
/// ast node Pivot { table: Table { name: ObjectName([...`, some 1,500 characters), then what to
/// do instead.
fn unsupported(reason: &str) -> String {
    const LONG: usize = 160;
    let line = reason.lines().next().unwrap_or_default().trim();
    let short = if line.len() > LONG {
        let cut = [" {", "("]
            .iter()
            .filter_map(|p| line.find(p))
            .min()
            .unwrap_or(LONG)
            .min(LONG);
        let cut = (0..=cut)
            .rev()
            .find(|&i| line.is_char_boundary(i))
            .unwrap_or(0);
        format!("{} …", line[..cut].trim_end())
    } else {
        line.to_owned()
    };
    let upper = reason.to_ascii_uppercase();
    let instead = if upper.contains("PIVOT") {
        "count per value with GROUP BY and `count(*) FILTER (WHERE ...)` or \
         `sum(CASE WHEN ... THEN 1 ELSE 0 END)` instead"
    } else {
        "see https://datafusion.apache.org/user-guide/sql/ for the SQL taskq runs"
    };
    format!("not supported: {short}; {instead}")
}
