/// What every secret value is replaced with, before anything is written, logged or printed.
pub const REDACTED: &str = "[REDACTED]";

/// Object keys whose values are secrets wherever they appear.
pub const SECRET_KEYS: &[&str] = &["workspace_token"];

/// Redacts secrets in text that may not even be valid JSON (a quarantined line, an error body).
///
/// Every `"workspace_token"` key followed by `:` has its value replaced by `"[REDACTED]"`: a
/// string value up to its closing quote (or the end of the text, when it is cut off), any other
/// value up to the next `,`, `}` or newline.
pub fn redact_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'scan: while let Some((at, key)) = SECRET_KEYS
        .iter()
        .filter_map(|k| find_key(rest, k).map(|at| (at, *k)))
        .min_by_key(|(at, _)| *at)
    {
        let after_key = at + key.len() + 2;
        out.push_str(&rest[..after_key]);
        let tail = &rest[after_key..];
        let colon = tail.len() - tail.trim_start().len();
        if !tail[colon..].starts_with(':') {
            rest = tail;
            continue 'scan;
        }
        let value_start =
            colon + 1 + (tail[colon + 1..].len() - tail[colon + 1..].trim_start().len());
        out.push_str(&tail[..value_start]);
        let value = &tail[value_start..];
        let end = if let Some(body) = value.strip_prefix('"') {
            let mut escaped = false;
            body.char_indices()
                .find(|&(_, c)| {
                    let close = c == '"' && !escaped;
                    escaped = c == '\\' && !escaped;
                    close
                })
                .map_or(value.len(), |(i, _)| i + 2)
        } else {
            value.find([',', '}', '\n']).unwrap_or(value.len())
        };
        out.push('"');
        out.push_str(REDACTED);
        out.push('"');
        rest = &value[end..];
    }
    out.push_str(rest);
    out
}

/// Byte position of `"key"` in `text`.
fn find_key(text: &str, key: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = text[from..].find(key) {
        let at = from + i;
        if at > 0
            && text.as_bytes()[at - 1] == b'"'
            && text.as_bytes().get(at + key.len()) == Some(&b'"')
        {
            return Some(at - 1);
        }
        from = at + key.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_values_are_replaced() {
        let s = r#"{"a":1,"workspace_token": "s3cr\"et","b":2}"#;
        assert_eq!(
            redact_text(s),
            r#"{"a":1,"workspace_token": "[REDACTED]","b":2}"#
        );
    }

    #[test]
    fn cut_off_and_non_string_values_are_replaced() {
        assert_eq!(
            redact_text(r#"{"workspace_token":"abc"#),
            r#"{"workspace_token":"[REDACTED]""#
        );
        assert_eq!(
            redact_text(r#"{"workspace_token": 12345, "x": {"workspace_token":null}}"#),
            r#"{"workspace_token": "[REDACTED]", "x": {"workspace_token":"[REDACTED]"}}"#
        );
    }

    #[test]
    fn other_text_is_untouched() {
        let s = r#"{"workspace_tokens": "keep", "note": "workspace_token"}"#;
        assert_eq!(redact_text(s), s);
    }
}
