//! Following `next_token` to the end, without ever looping.

use std::collections::HashSet;
use std::sync::atomic::Ordering;

use bytes::Bytes;
use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::query::Params;
use crate::{Client, ClientError};

/// Pages in a row that may carry no task but a new token before the pager gives up: the API
/// does not promise that a token means more tasks, but endless empty pages are no progress.
const MAX_EMPTY_PAGES: u32 = 20;

/// One page as the server sent it.
#[derive(Debug, Clone)]
pub struct Page {
    /// The response body: a JSON envelope, checked whole and well-formed.
    pub body: Bytes,
    /// 1-based, in the order pages were fetched.
    pub number: u64,
    pub tasks: u64,
    /// The token for the page after this one; `None` on the last page.
    pub next_token: Option<String>,
    /// How many tasks the whole result holds, when the page says (an expanded delivery's
    /// `task_count`).
    pub total: Option<u64>,
}

/// The pages of one paginated query, fetched one at a time.
#[derive(Debug)]
pub struct Pager {
    client: Client,
    path: &'static str,
    params: Params,
    token: Option<String>,
    /// Tokens already sent: a page that hands one back again is treated as malformed.
    seen: HashSet<String>,
    resumed: bool,
    pages: u64,
    empty_in_a_row: u32,
    done: bool,
}

#[derive(Deserialize)]
struct Envelope {
    tasks: Option<Vec<IgnoredAny>>,
    docs: Option<Vec<IgnoredAny>>,
    next_token: Option<String>,
    delivery: Option<serde_json::Value>,
}

struct PageInfo {
    tasks: u64,
    next_token: Option<String>,
    total: Option<u64>,
}

impl Pager {
    pub(crate) fn new(client: Client, path: &'static str, params: Params) -> Pager {
        Pager {
            client,
            path,
            params,
            token: None,
            seen: HashSet::new(),
            resumed: false,
            pages: 0,
            empty_in_a_row: 0,
            done: false,
        }
    }

    /// Starts from a saved token instead of the first page. If the server refuses it (tokens
    /// expire), the first [`Pager::next`] fails with [`ClientError::TokenRejected`].
    pub fn resume_from(mut self, token: Option<String>) -> Pager {
        self.resumed = token.is_some();
        self.token = token;
        self
    }

    /// The next page, or `None` after the last one.
    pub async fn next(&mut self) -> Result<Option<Page>, ClientError> {
        if self.done {
            return Ok(None);
        }
        let mut params = self.params.clone();
        if let Some(t) = &self.token {
            params.push(("next_token".into(), t.clone()));
        }
        let (seen, current) = (&self.seen, self.token.as_deref());
        let fetched = self
            .client
            .get(self.path, &params, |body| {
                check(body, |t| seen.contains(t) || current == Some(t))
            })
            .await;
        let (body, info) = match fetched {
            Ok(ok) => ok,
            Err(ClientError::Api {
                url,
                status,
                message,
            }) if self.resumed && self.pages == 0 && matches!(status, 400 | 404 | 410 | 422) => {
                return Err(ClientError::TokenRejected {
                    url,
                    status,
                    message,
                });
            }
            Err(e) => return Err(e),
        };
        self.pages += 1;
        if let Some(t) = self.token.take() {
            self.seen.insert(t);
        }
        self.token = info.next_token.clone();
        self.done = self.token.is_none();
        if info.tasks == 0 && !self.done {
            self.empty_in_a_row += 1;
            if self.empty_in_a_row > MAX_EMPTY_PAGES {
                return Err(ClientError::NoProgress {
                    url: self.client.url(self.path, &params).to_string(),
                    reason: format!(
                        "{} pages in a row held no task but asked for another page; stopping",
                        self.empty_in_a_row
                    ),
                });
            }
        } else {
            self.empty_in_a_row = 0;
        }
        self.client
            .stats()
            .tasks
            .fetch_add(info.tasks, Ordering::Relaxed);
        Ok(Some(Page {
            body,
            number: self.pages,
            tasks: info.tasks,
            next_token: info.next_token,
            total: info.total,
        }))
    }
}

/// Checks a page is one whole envelope of tasks and reads what paging needs from it.
fn check(body: &[u8], repeated: impl Fn(&str) -> bool) -> Result<PageInfo, String> {
    let env: Envelope = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let tasks = match (env.tasks, env.docs) {
        (Some(t), _) | (None, Some(t)) => t.len() as u64,
        (None, None) => return Err("no `tasks` (or `docs`) array in the page".into()),
    };
    // An empty string ends paging, like an absent or null token.
    let next_token = env.next_token.filter(|t| !t.is_empty());
    if let Some(t) = &next_token
        && repeated(t)
    {
        return Err(format!(
            "next_token {t:?} was already used: the pages would loop"
        ));
    }
    let total = env
        .delivery
        .as_ref()
        .and_then(|d| d.get("task_count"))
        .and_then(serde_json::Value::as_u64);
    Ok(PageInfo {
        tasks,
        next_token,
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes() {
        let never = |_: &str| false;
        let p = check(br#"{"tasks":[{},{}],"next_token":"t2"}"#, never).unwrap();
        assert_eq!((p.tasks, p.next_token.as_deref()), (2, Some("t2")));
        let p = check(br#"{"tasks":[],"next_token":""}"#, never).unwrap();
        assert_eq!(p.next_token, None);
        let p = check(br#"{"docs":[{}],"total":1,"next_token":null}"#, never).unwrap();
        assert_eq!((p.tasks, p.next_token), (1, None));
        let p = check(
            br#"{"delivery":{"id":"d","task_count":250},"tasks":[{}]}"#,
            never,
        )
        .unwrap();
        assert_eq!(p.total, Some(250));
        assert!(check(br#"{"tasks":[{}"#, never).is_err());
        assert!(check(br#"{"items":[]}"#, never).is_err());
        assert!(check(br#"{"tasks":[],"next_token":"t1"}"#, |t| t == "t1").is_err());
    }
}
