//! taskq-testserver: a stand-in for the Scale v2 API on 127.0.0.1, for tests only.
//!
//! It implements the documented contract over tasks made by taskq-gen: `GET /v2/tasks` with every
//! filter and `next_token` paging, `/v2/task`, `/v2/deliveries` and paged `/v2/delivery`,
//! repeated `expand`/`opts` keys, the Bearer check and the `{"status_code", "error"}` error body.
//! Faults are scheduled by request number: statuses with and without `Retry-After`, a connection
//! dropped mid-body, a response slower than any timeout, a malformed page, a repeated or an
//! endless token, and expired tokens. Every request is logged for the tests to inspect.
//!
//! HTTP/1.1 is spoken by hand over a plain socket, so a fault can break the protocol exactly
//! where a real network does.
//!
//! ```
//! let server = taskq_testserver::TestServer::start("key", 30);
//! assert!(server.url().starts_with("http://127.0.0.1:"));
//! ```

mod fault;
mod server;

pub use fault::{Fault, Logged};
pub use server::TestServer;
