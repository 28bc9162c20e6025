/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("query {query}: its rows have no column `{column}` for the chart")]
    MissingColumn { query: String, column: String },
    #[error("query {query}: column `{column}` cannot be read for the chart: {reason}")]
    Unreadable {
        query: String,
        column: String,
        reason: String,
    },
    #[error("section {section}: drawing the chart failed: {reason}")]
    Draw { section: String, reason: String },
}
