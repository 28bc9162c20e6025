//! Why a request failed for good.

/// A request that failed for good: retrying did not help, or could not.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server refused the request (400, 401, 402, 404, ...): retrying cannot help.
    #[error("{url}: HTTP {status}: {message}")]
    Api {
        url: String,
        status: u16,
        message: String,
    },
    /// A resumed page token was refused; the caller restarts its window without it.
    #[error("{url}: the server refused the saved page token (HTTP {status}: {message})")]
    TokenRejected {
        url: String,
        status: u16,
        message: String,
    },
    /// Every attempt failed with a fault worth retrying, until the attempts or the time budget ran out.
    #[error("{url}: gave up after {attempts} attempts in {seconds:.1} s; last: {last}")]
    GaveUp {
        url: String,
        attempts: u32,
        seconds: f64,
        last: String,
    },
    /// The server kept paging without progress.
    #[error("{url}: {reason}")]
    NoProgress { url: String, reason: String },
    #[error("invalid client settings: {reason}")]
    Settings { reason: String },
}
