/// Why a statistic could not be computed from what it was given.
#[derive(Debug, thiserror::Error)]
pub enum StatsError {
    /// An argument outside what the method accepts, and which one.
    #[error("{0}")]
    Argument(String),
}
