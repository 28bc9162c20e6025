//! Reading typed fields out of JSON objects without losing what does not fit.

use chrono::{DateTime, NaiveDateTime};
use serde_json::{Map, Value};

/// The keys of one source object that the schema does not know, plus values that did not fit
/// their typed column. Becomes the row's `extra_json`.
#[derive(Default)]
pub(crate) struct Extra {
    map: Map<String, Value>,
}

impl Extra {
    /// Starts from the keys of `obj` that are not in `known`.
    pub(crate) fn of(obj: &Map<String, Value>, known: &[&str]) -> Self {
        let mut e = Extra::default();
        e.unknown_keys(obj, known, "");
        e
    }

    /// Starts from the keys of `obj` that are not in `known`, named `prefix` + key.
    pub(crate) fn unknown_keys(&mut self, obj: &Map<String, Value>, known: &[&str], prefix: &str) {
        for (k, v) in obj {
            if !known.contains(&k.as_str()) {
                self.put(format!("{prefix}{k}"), v.clone());
            }
        }
    }

    pub(crate) fn put(&mut self, key: String, v: Value) {
        self.map.insert(key, v);
    }

    /// The row's `extra_json`; adds the number of keys kept to `kept`, for the ingest summary.
    pub(crate) fn into_json(self, kept: &mut u64) -> Option<String> {
        *kept += self.map.len() as u64;
        (!self.map.is_empty()).then(|| Value::Object(self.map).to_string())
    }

    /// `obj[key]` as a string; anything but a string or null goes to extra.
    pub(crate) fn str<'v>(
        &mut self,
        obj: &'v Map<String, Value>,
        key: &str,
        prefix: &str,
    ) -> Option<&'v str> {
        match obj.get(key)? {
            Value::String(s) => Some(s),
            Value::Null => None,
            other => self.misfit(prefix, key, other),
        }
    }

    pub(crate) fn f64(&mut self, obj: &Map<String, Value>, key: &str, prefix: &str) -> Option<f64> {
        match obj.get(key)? {
            Value::Number(n) => n.as_f64(),
            Value::Null => None,
            other => self.misfit(prefix, key, other),
        }
    }

    pub(crate) fn i64(&mut self, obj: &Map<String, Value>, key: &str, prefix: &str) -> Option<i64> {
        match obj.get(key)? {
            Value::Number(n) if n.as_i64().is_some() => n.as_i64(),
            Value::Null => None,
            other => self.misfit(prefix, key, other),
        }
    }

    pub(crate) fn bool(
        &mut self,
        obj: &Map<String, Value>,
        key: &str,
        prefix: &str,
    ) -> Option<bool> {
        match obj.get(key)? {
            Value::Bool(b) => Some(*b),
            Value::Null => None,
            other => self.misfit(prefix, key, other),
        }
    }

    /// `obj[key]` as microseconds since the epoch, UTC.
    pub(crate) fn ts(&mut self, obj: &Map<String, Value>, key: &str, prefix: &str) -> Option<i64> {
        match obj.get(key)? {
            Value::String(s) => match parse_timestamp(s) {
                Some(t) => Some(t),
                None => self.misfit(prefix, key, &Value::String(s.clone())),
            },
            Value::Null => None,
            other => self.misfit(prefix, key, other),
        }
    }

    /// `obj[key]` as an array; anything but an array or null goes to extra.
    pub(crate) fn array<'v>(
        &mut self,
        obj: &'v Map<String, Value>,
        key: &str,
        prefix: &str,
    ) -> Option<&'v [Value]> {
        match obj.get(key)? {
            Value::Array(a) => Some(a),
            Value::Null => None,
            other => self.misfit(prefix, key, other),
        }
    }

    /// `obj[key]` as an object; anything but an object or null goes to extra.
    pub(crate) fn object<'v>(
        &mut self,
        obj: &'v Map<String, Value>,
        key: &str,
        prefix: &str,
    ) -> Option<&'v Map<String, Value>> {
        match obj.get(key)? {
            Value::Object(o) => Some(o),
            Value::Null => None,
            other => self.misfit(prefix, key, other),
        }
    }

    fn misfit<T>(&mut self, prefix: &str, key: &str, v: &Value) -> Option<T> {
        self.put(format!("{prefix}{key}"), v.clone());
        None
    }
}

/// RFC 3339 with `T`, `t` or a space, or a date-time without offset (taken as UTC).
pub(crate) fn parse_timestamp(s: &str) -> Option<i64> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_micros());
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .map(|t| t.and_utc().timestamp_micros())
}

/// A JSON value as text that groups naturally: a string's own text, a number as written, `true`
/// or `false`, compact JSON for arrays and objects, `None` for null.
pub(crate) fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Array(_) | Value::Object(_) => Some(v.to_string()),
    }
}

pub(crate) fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_with_and_without_fraction_and_offset() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:01Z"), Some(1_000_000));
        assert_eq!(parse_timestamp("1970-01-01T00:00:00.123Z"), Some(123_000));
        assert_eq!(parse_timestamp("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_timestamp("1970-01-01 00:00:02"), Some(2_000_000));
        assert_eq!(parse_timestamp("yesterday"), None);
    }

    #[test]
    fn numbers_keep_their_float_spelling() {
        let v: Value = serde_json::from_str("[7.0, 3, -0.5]").unwrap();
        let texts: Vec<_> = v.as_array().unwrap().iter().map(value_text).collect();
        assert_eq!(
            texts,
            [Some("7.0".into()), Some("3".into()), Some("-0.5".into())]
        );
    }
}
