//! taskq-client: the Scale GenAI v2 API, as raw pages of task JSON.
//!
//! The client yields page bodies as bytes and leaves parsing tasks to taskq-ingest: it only
//! checks that a page is whole, well-formed JSON of the expected envelope and reads its
//! `next_token`. Every request is retried with exponential backoff and jitter on 408, 429, 5xx,
//! timeouts, dropped connections, truncated and malformed bodies, honouring `Retry-After`, within
//! a bounded number of attempts and a total time budget; 400, 401, 402 and 404 fail at once with
//! the server's own message. The API key goes out only as a Bearer header and is never part of
//! an error, a debug print or a log line.
//!
//! ```no_run
//! # async fn demo() -> Result<(), taskq_client::ClientError> {
//! use taskq_client::{ApiKey, Client, ClientOptions, Scope, TaskQuery};
//!
//! let client = Client::new(ClientOptions::new(ApiKey::new("live_...")))?;
//! let query = TaskQuery::new(Scope::ProjectName("My Project".into()));
//! let mut pages = client.tasks(&query);
//! while let Some(page) = pages.next().await? {
//!     println!("{} tasks in {} bytes", page.tasks, page.body.len());
//! }
//! # Ok(()) }
//! ```

mod error;
mod http;
mod key;
mod pager;
mod query;
mod sync;

pub use error::ClientError;
pub use http::{Client, ClientOptions, Stats};
pub use key::ApiKey;
pub use pager::{Page, Pager};
pub use query::{DEFAULT_OPTS, DeliveriesQuery, DeliveryInfo, DeliveryRef, Scope, TaskQuery};
pub use sync::{SyncState, Window};
