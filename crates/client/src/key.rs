//! The API key: sent as a Bearer header, and nowhere else.

use taskq_core::REDACTED;

/// An API key. Its `Debug` and `Display` print `[REDACTED]`, so it cannot leak through an error
/// or a log line by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Surrounding white space (a key file's trailing newline) is dropped.
    pub fn new(key: &str) -> ApiKey {
        ApiKey(key.trim().to_owned())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of the key replaced, for text that came from elsewhere (an
    /// error body that echoes the request).
    pub(crate) fn scrub(&self, text: &str) -> String {
        if self.0.is_empty() {
            text.to_owned()
        } else {
            text.replace(&self.0, REDACTED)
        }
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(REDACTED)
    }
}

impl std::fmt::Display for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(REDACTED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_printed() {
        let k = ApiKey::new(" live_secret\n");
        assert_eq!(k.expose(), "live_secret");
        assert_eq!(format!("{k} {k:?}"), "[REDACTED] [REDACTED]");
        assert_eq!(k.scrub("bad key live_secret"), "bad key [REDACTED]");
    }
}
