//! The faults a test schedules, and the log of what the server was asked.

use std::time::Duration;

use chrono::Utc;

/// Something to go wrong with one response.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// This status with an error body, and a `Retry-After` header when given.
    Status(u16, Option<String>),
    /// Headers promise the whole body; half of it is sent and the connection closed.
    DropMidBody,
    /// The response starts only after this long.
    Slow(Duration),
    /// A 200 whose JSON is cut off (with a matching `Content-Length`).
    Malformed,
    /// The right page, but its `next_token` is the token the request carried.
    RepeatToken,
    /// No tasks and a fresh token that leads to the same place.
    EmptyPage,
    /// Never answers.
    Hang,
}

impl Fault {
    /// Every fault a client must ride out, ending with the rows of a fault-free run: 429 with
    /// `Retry-After` in seconds, as an HTTP date (a second from now) and without it; 408 and the
    /// 5xx statuses; a dropped connection; a response `slow` long; a malformed page; a repeated
    /// token; an empty page.
    pub fn transient(slow: Duration) -> Vec<Fault> {
        let soon = (Utc::now() + chrono::Duration::seconds(1))
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string();
        vec![
            Fault::Status(429, Some("1".into())),
            Fault::Status(429, Some(soon)),
            Fault::Status(429, None),
            Fault::Status(408, None),
            Fault::Status(500, None),
            Fault::Status(502, None),
            Fault::Status(503, None),
            Fault::Status(504, None),
            Fault::DropMidBody,
            Fault::Slow(slow),
            Fault::Malformed,
            Fault::RepeatToken,
            Fault::EmptyPage,
        ]
    }
}

/// A request as the server saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct Logged {
    pub path: String,
    /// The query string as sent.
    pub query: String,
    pub params: Vec<(String, String)>,
    pub authorization: Option<String>,
    pub status: u16,
    pub tasks: usize,
}

impl Logged {
    /// The values of a (possibly repeated) query key.
    pub fn values(&self, key: &str) -> Vec<&str> {
        self.params
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}
