//! Incremental sync: which window of `completed_at` a run covers, and where it resumes.
//!
//! A run covers `[watermark - overlap, run start)` with both bounds fixed for the whole run, so
//! the result set does not shift while it pages. The watermark moves to the run start only once
//! the window is complete. While a window is open, a checkpoint records it with the token of the
//! next page: a killed run resumes there, inside the same window; tokens may expire, and then the
//! window starts over (the pages already kept are simply replaced by their new copies).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// A span of `completed_at`: `after` (inclusive; `None` for everything before) to `before`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub after: Option<DateTime<Utc>>,
    pub before: DateTime<Utc>,
}

/// What a sync keeps between runs, per project or batch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncState {
    /// Every task completed before this instant has been fetched by a finished window.
    pub watermark: Option<DateTime<Utc>>,
    /// The window of a run that has not finished.
    pub window: Option<Window>,
    /// The token of the next page of `window` to fetch; `None` for its first page.
    pub token: Option<String>,
}

impl SyncState {
    /// The window to fetch and the token to start from: the open window where a run stopped,
    /// else a new one from the watermark (less `overlap`, for late-indexed tasks) to `now`.
    pub fn plan(&self, now: DateTime<Utc>, overlap: Duration) -> (Window, Option<String>) {
        match self.window {
            Some(w) => (w, self.token.clone()),
            None => (
                Window {
                    after: self.watermark.map(|w| w - overlap),
                    before: now,
                },
                None,
            ),
        }
    }

    /// Whether a run stopped inside a window.
    pub fn is_open(&self) -> bool {
        self.window.is_some()
    }

    /// The state after the pages before `token` of `window` are kept.
    pub fn checkpoint(&self, window: Window, token: Option<String>) -> SyncState {
        SyncState {
            watermark: self.watermark,
            window: Some(window),
            token,
        }
    }

    /// The state after all of `window` is kept: the watermark moves to its end.
    pub fn finished(&self, window: Window) -> SyncState {
        SyncState {
            watermark: Some(
                self.watermark
                    .map_or(window.before, |w| w.max(window.before)),
            ),
            window: None,
            token: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn windows_follow_the_watermark() {
        let hour = Duration::hours(1);
        let first = SyncState::default();
        let (w1, tok) = first.plan(t("2026-01-01T00:00:00Z"), hour);
        assert_eq!((w1.after, tok), (None, None));

        let killed = first.checkpoint(w1, Some("p3".into()));
        assert!(killed.is_open());
        assert_eq!(
            killed.plan(t("2026-01-02T00:00:00Z"), hour),
            (w1, Some("p3".into())),
            "a resumed run stays in its window"
        );

        let done = killed.finished(w1);
        assert_eq!(done.watermark, Some(t("2026-01-01T00:00:00Z")));
        let (w2, tok) = done.plan(t("2026-01-02T00:00:00Z"), hour);
        assert_eq!(w2.after, Some(t("2025-12-31T23:00:00Z")));
        assert_eq!(w2.before, t("2026-01-02T00:00:00Z"));
        assert_eq!(tok, None);
    }

    #[test]
    fn round_trips_as_json() {
        let s = SyncState::default().checkpoint(
            Window {
                after: None,
                before: t("2026-01-01T00:00:00Z"),
            },
            Some("tok".into()),
        );
        let back: SyncState = serde_json::from_value(serde_json::to_value(&s).unwrap()).unwrap();
        assert_eq!(back, s);
    }
}
