//! One GET, retried until it gives a usable body or a reason to stop.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue, RETRY_AFTER};
use serde::de::IgnoredAny;
use url::Url;

use crate::query::Params;
use crate::{ApiKey, ClientError, DeliveriesQuery, DeliveryInfo, DeliveryRef, Pager, TaskQuery};

/// How to reach the API and how hard to try.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub base_url: String,
    pub api_key: ApiKey,
    /// Per attempt, from sending the request to the last byte of the body.
    pub timeout: Duration,
    /// Attempts per request, the first included.
    pub max_attempts: u32,
    /// Total time one request may spend waiting between attempts and retrying.
    pub retry_budget: Duration,
    /// First backoff; it doubles on each retry (with jitter) up to `backoff_max`.
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
    /// Requests per second across every pager of this client; `None` for no limit.
    pub max_rps: Option<f64>,
}

impl ClientOptions {
    pub fn new(api_key: ApiKey) -> ClientOptions {
        ClientOptions {
            base_url: "https://api.scale.com".into(),
            api_key,
            timeout: Duration::from_secs(120),
            max_attempts: 8,
            retry_budget: Duration::from_secs(600),
            backoff_initial: Duration::from_millis(500),
            backoff_max: Duration::from_secs(60),
            max_rps: None,
        }
    }
}

/// Running totals over every request of a client, for progress displays.
#[derive(Debug, Default)]
pub struct Stats {
    pub pages: AtomicU64,
    pub tasks: AtomicU64,
    pub bytes: AtomicU64,
    pub retries: AtomicU64,
}

/// A Scale v2 API client; cheap to clone, and clones share the rate limit and the stats.
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    base: Url,
    opts: ClientOptions,
    /// When the next request may start, under `max_rps`.
    next_slot: Mutex<Instant>,
    stats: Stats,
}

/// One failed attempt.
enum Fault {
    /// Worth another attempt, after the server's `Retry-After` if it sent one.
    Retry(String, Option<Duration>),
    /// Not worth another attempt.
    Fatal(u16, String),
}

impl Client {
    pub fn new(opts: ClientOptions) -> Result<Client, ClientError> {
        let settings = |reason: String| ClientError::Settings { reason };
        if opts.api_key.is_empty() {
            return Err(settings("the API key is empty".into()));
        }
        if opts
            .max_rps
            .is_some_and(|r| r.is_nan() || r <= 0.0 || r.is_infinite())
        {
            return Err(settings("the request rate limit must be above zero".into()));
        }
        let mut base = Url::parse(&opts.base_url)
            .map_err(|e| settings(format!("base URL {:?}: {e}", opts.base_url)))?;
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", opts.api_key.expose()))
            .map_err(|_| settings("the API key holds characters a header cannot carry".into()))?;
        auth.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, auth);
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(concat!("taskq/", env!("CARGO_PKG_VERSION")))
            .timeout(opts.timeout)
            .connect_timeout(opts.timeout.min(Duration::from_secs(30)))
            .build()
            .map_err(|e| settings(format!("HTTP client: {e}")))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                opts,
                next_slot: Mutex::new(Instant::now()),
                stats: Stats::default(),
            }),
        })
    }

    pub fn stats(&self) -> &Stats {
        &self.inner.stats
    }

    /// Pages of `GET /v2/tasks`.
    pub fn tasks(&self, q: &TaskQuery) -> Pager {
        Pager::new(self.clone(), "v2/tasks", q.params())
    }

    /// Pages of `GET /v2/delivery`: the tasks of one delivery.
    pub fn delivery(
        &self,
        d: &DeliveryRef,
        limit: Option<u32>,
        expand: &[String],
        opts: &[String],
    ) -> Result<Pager, ClientError> {
        Ok(Pager::new(
            self.clone(),
            "v2/delivery",
            d.params(limit, expand, opts)?,
        ))
    }

    /// `GET /v2/task`: one task, as its JSON body.
    pub async fn task(
        &self,
        task_id: &str,
        expand: &[String],
        opts: &[String],
    ) -> Result<Bytes, ClientError> {
        let mut p: Params = vec![("task_id".into(), task_id.into())];
        p.extend(expand.iter().map(|e| ("expand".into(), e.clone())));
        p.extend(opts.iter().map(|o| ("opts".into(), o.clone())));
        let (body, ()) = self
            .get("v2/task", &p, |b| {
                // Checked whole without building it: taskq-ingest parses it for real.
                match serde_json::from_slice::<HashMap<String, IgnoredAny>>(b) {
                    Ok(_) => Ok(()),
                    Err(e) => Err(format!("the body is not a JSON object: {e}")),
                }
            })
            .await?;
        self.inner.stats.tasks.fetch_add(1, Ordering::Relaxed);
        Ok(body)
    }

    /// `GET /v2/deliveries`: the deliveries of a project.
    pub async fn deliveries(&self, q: &DeliveriesQuery) -> Result<Vec<DeliveryInfo>, ClientError> {
        #[derive(serde::Deserialize)]
        struct Envelope {
            deliveries: Vec<DeliveryInfo>,
        }
        let (_, list) = self
            .get("v2/deliveries", &q.params()?, |b| {
                serde_json::from_slice::<Envelope>(b)
                    .map(|e| e.deliveries)
                    .map_err(|e| format!("not a deliveries envelope: {e}"))
            })
            .await?;
        Ok(list)
    }

    pub(crate) fn url(&self, path: &str, params: &Params) -> Url {
        let mut url = self
            .inner
            .base
            .join(path)
            .unwrap_or_else(|_| self.inner.base.clone());
        if !params.is_empty() {
            url.query_pairs_mut().extend_pairs(params);
        }
        url
    }

    /// GETs `path` until `check` accepts the body. A body `check` refuses (malformed, not the
    /// expected envelope) counts as a fault worth retrying, like a 503.
    pub(crate) async fn get<T>(
        &self,
        path: &str,
        params: &Params,
        check: impl Fn(&[u8]) -> Result<T, String>,
    ) -> Result<(Bytes, T), ClientError> {
        let url = self.url(path, params);
        let opts = &self.inner.opts;
        let started = Instant::now();
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            self.pace().await;
            let fault = match self.attempt(&url).await {
                Ok(body) => match check(&body) {
                    Ok(v) => {
                        let stats = &self.inner.stats;
                        stats.pages.fetch_add(1, Ordering::Relaxed);
                        stats.bytes.fetch_add(body.len() as u64, Ordering::Relaxed);
                        return Ok((body, v));
                    }
                    Err(reason) => Fault::Retry(format!("malformed page: {reason}"), None),
                },
                Err(f) => f,
            };
            let (last, retry_after) = match fault {
                Fault::Fatal(status, message) => {
                    return Err(ClientError::Api {
                        url: url.to_string(),
                        status,
                        message,
                    });
                }
                Fault::Retry(last, retry_after) => (last, retry_after),
            };
            let wait = retry_after.unwrap_or_else(|| backoff(opts, attempts));
            let spent = started.elapsed();
            if attempts >= opts.max_attempts || spent + wait > opts.retry_budget {
                let last = match retry_after {
                    Some(w) if spent + w > opts.retry_budget => format!(
                        "{last} (Retry-After {:.0} s is past the retry budget)",
                        w.as_secs_f64()
                    ),
                    _ => last,
                };
                return Err(ClientError::GaveUp {
                    url: url.to_string(),
                    attempts,
                    seconds: spent.as_secs_f64(),
                    last,
                });
            }
            self.inner.stats.retries.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(wait).await;
        }
    }

    async fn attempt(&self, url: &Url) -> Result<Bytes, Fault> {
        let key = &self.inner.opts.api_key;
        let response = self
            .inner
            .http
            .get(url.clone())
            .send()
            .await
            .map_err(|e| Fault::Retry(key.scrub(&describe(&e)), None))?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let body = response.bytes().await;
        if status.is_success() {
            return body.map_err(|e| Fault::Retry(key.scrub(&describe(&e)), None));
        }
        let message = match body {
            Ok(b) => key.scrub(&error_message(&b)),
            Err(e) => key.scrub(&describe(&e)),
        };
        if retryable(status) {
            Err(Fault::Retry(
                format!("HTTP {}: {message}", status.as_u16()),
                retry_after,
            ))
        } else {
            Err(Fault::Fatal(status.as_u16(), message))
        }
    }

    /// Waits for this request's turn under `max_rps`.
    async fn pace(&self) {
        let Some(rps) = self.inner.opts.max_rps else {
            return;
        };
        let interval = Duration::from_secs_f64(1.0 / rps);
        let slot = {
            let mut next = self
                .inner
                .next_slot
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let slot = (*next).max(Instant::now());
            *next = slot + interval;
            slot
        };
        tokio::time::sleep_until(slot.into()).await;
    }
}

fn retryable(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 429) || status.is_server_error()
}

/// A transport error in a few words, with its causes.
fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else if e.is_body() || e.is_decode() {
        "the response body broke off"
    } else {
        "request failed"
    };
    let mut text = kind.to_owned();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// The API's `{"status_code", "error"}` message, else the body itself (a proxy's HTML page, say),
/// cut short.
fn error_message(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct ApiError {
        error: serde_json::Value,
    }
    if let Ok(e) = serde_json::from_slice::<ApiError>(body) {
        return match e.error {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        };
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return "(empty body)".into();
    }
    match text.char_indices().nth(300) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text.to_owned(),
    }
}

/// `Retry-After`: delay-seconds or an HTTP date.
fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let wait = at.timestamp_millis() - chrono::Utc::now().timestamp_millis();
    Some(Duration::from_millis(wait.max(0) as u64))
}

/// Exponential backoff with "equal jitter": half fixed, half random, so that clients that failed
/// together do not retry together.
fn backoff(opts: &ClientOptions, attempts: u32) -> Duration {
    let exp = opts
        .backoff_initial
        .saturating_mul(1u32 << attempts.saturating_sub(1).min(16))
        .min(opts.backoff_max);
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    let fraction = (random >> 11) as f64 / (1u64 << 53) as f64;
    exp.mul_f64(0.5 + 0.5 * fraction)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        let soon = chrono::Utc::now() + chrono::Duration::seconds(20);
        let d = parse_retry_after(&soon.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
            .unwrap_or_default();
        assert!(
            d > Duration::from_secs(15) && d <= Duration::from_secs(20),
            "{d:?}"
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let mut o = ClientOptions::new(ApiKey::new("k"));
        o.backoff_initial = Duration::from_millis(100);
        o.backoff_max = Duration::from_millis(1000);
        for (attempt, full) in [
            (1, 100),
            (2, 200),
            (3, 400),
            (4, 800),
            (5, 1000),
            (30, 1000),
        ] {
            let d = backoff(&o, attempt).as_millis() as u64;
            assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d} ms");
        }
    }

    #[test]
    fn error_text() {
        assert_eq!(
            error_message(br#"{"status_code":401,"error":"Unauthorized"}"#),
            "Unauthorized"
        );
        assert_eq!(
            error_message(b"<html>Bad gateway</html>"),
            "<html>Bad gateway</html>"
        );
        assert_eq!(error_message(b""), "(empty body)");
    }
}
