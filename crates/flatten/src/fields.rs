//! Reading typed fields out of JSON objects without losing what does not fit.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDateTime};

use crate::json::{Node, Obj};

/// The keys of one source object that the schema does not know, plus values that did not fit
/// their typed column. Becomes the row's `extra_json`.
#[derive(Default)]
pub(crate) struct Extra<'a> {
    pairs: Vec<(Cow<'a, str>, Node<'a>)>,
}

/// The lookups below are inlined into their callers, whose keys and lists of known keys are
/// constants, so that they are compared as such, without a call to `memcmp` per member.
impl<'a> Extra<'a> {
    /// Starts from the keys of `obj` that are not in `known`.
    #[inline(always)]
    pub(crate) fn of(obj: Obj<'a>, known: &[&str]) -> Self {
        let mut e = Extra::default();
        e.unknown_keys(obj, known, "");
        e
    }

    /// Adds the keys of `obj` that are not in `known`, named `prefix` + key.
    #[inline(always)]
    pub(crate) fn unknown_keys(&mut self, obj: Obj<'a>, known: &[&str], prefix: &str) {
        for (k, v) in obj.iter() {
            if !known.contains(k) {
                let key = if prefix.is_empty() {
                    Cow::Borrowed(*k)
                } else {
                    Cow::Owned(format!("{prefix}{k}"))
                };
                self.pairs.push((key, *v));
            }
        }
    }

    pub(crate) fn put(&mut self, key: String, v: Node<'a>) {
        self.pairs.push((Cow::Owned(key), v));
    }

    /// The row's `extra_json`; adds the number of keys kept to `kept`, for the ingest summary.
    /// A key put twice keeps its first place and its last value.
    pub(crate) fn into_json(mut self, kept: &mut u64) -> Option<String> {
        if self.pairs.is_empty() {
            return None;
        }
        if self.pairs.len() > 1 {
            self.merge_repeated_keys();
        }
        *kept += self.pairs.len() as u64;
        let pairs = self.pairs.iter().map(|(k, v)| (k.as_ref(), v));
        Some(crate::json::pairs_to_json(pairs))
    }

    fn merge_repeated_keys(&mut self) {
        let pairs = &mut self.pairs;
        let mut order: Vec<usize> = (0..pairs.len()).collect();
        order.sort_by(|a, b| pairs[*a].0.cmp(&pairs[*b].0).then(a.cmp(b)));
        let mut keep = vec![true; pairs.len()];
        let mut moves = Vec::new();
        for group in order.chunk_by(|a, b| pairs[*a].0 == pairs[*b].0) {
            if let [first, .., last] = group {
                moves.push((*first, *last));
                group[1..].iter().for_each(|i| keep[*i] = false);
            }
        }
        for (first, last) in moves {
            pairs[first].1 = pairs[last].1;
        }
        let mut keep = keep.into_iter();
        pairs.retain(|_| keep.next().unwrap_or(true));
    }

    /// `obj[key]` as a string; anything but a string or null goes to extra.
    #[inline(always)]
    pub(crate) fn str(&mut self, obj: Obj<'a>, key: &str, prefix: &str) -> Option<&'a str> {
        match obj.get(key)? {
            Node::Str(s) => Some(s),
            Node::Null => None,
            other => self.misfit(prefix, key, *other),
        }
    }

    #[inline(always)]
    pub(crate) fn f64(&mut self, obj: Obj<'a>, key: &str, prefix: &str) -> Option<f64> {
        match obj.get(key)? {
            n @ Node::Num(_) => n.as_f64(),
            Node::Null => None,
            other => self.misfit(prefix, key, *other),
        }
    }

    #[inline(always)]
    pub(crate) fn i64(&mut self, obj: Obj<'a>, key: &str, prefix: &str) -> Option<i64> {
        match obj.get(key)? {
            n @ Node::Num(_) => match n.as_i64() {
                Some(i) => Some(i),
                None => self.misfit(prefix, key, *n),
            },
            Node::Null => None,
            other => self.misfit(prefix, key, *other),
        }
    }

    #[inline(always)]
    pub(crate) fn bool(&mut self, obj: Obj<'a>, key: &str, prefix: &str) -> Option<bool> {
        match obj.get(key)? {
            Node::Bool(b) => Some(*b),
            Node::Null => None,
            other => self.misfit(prefix, key, *other),
        }
    }

    /// `obj[key]` as microseconds since the epoch, UTC.
    #[inline(always)]
    pub(crate) fn ts(&mut self, obj: Obj<'a>, key: &str, prefix: &str) -> Option<i64> {
        match obj.get(key)? {
            n @ Node::Str(s) => match parse_timestamp(s) {
                Some(t) => Some(t),
                None => self.misfit(prefix, key, *n),
            },
            Node::Null => None,
            other => self.misfit(prefix, key, *other),
        }
    }

    /// `obj[key]` as an array; anything but an array or null goes to extra.
    #[inline(always)]
    pub(crate) fn array(
        &mut self,
        obj: Obj<'a>,
        key: &str,
        prefix: &str,
    ) -> Option<&'a [Node<'a>]> {
        match obj.get(key)? {
            Node::Arr(a) => Some(a),
            Node::Null => None,
            other => self.misfit(prefix, key, *other),
        }
    }

    /// `obj[key]` as an object; anything but an object or null goes to extra.
    #[inline(always)]
    pub(crate) fn object(&mut self, obj: Obj<'a>, key: &str, prefix: &str) -> Option<Obj<'a>> {
        match obj.get(key)? {
            Node::Obj(o) => Some(*o),
            Node::Null => None,
            other => self.misfit(prefix, key, *other),
        }
    }

    fn misfit<T>(&mut self, prefix: &str, key: &str, v: Node<'a>) -> Option<T> {
        self.put(format!("{prefix}{key}"), v);
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
pub(crate) fn value_text<'a>(v: &Node<'a>) -> Option<Cow<'a, str>> {
    match v {
        Node::Null => None,
        Node::Str(s) => Some(Cow::Borrowed(s)),
        Node::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        Node::Num(n) => Some(Cow::Owned(n.to_text())),
        Node::Arr(_) | Node::Obj(_) => Some(Cow::Owned(v.to_json())),
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
        let arena = bumpalo::Bump::new();
        let Node::Arr(items) =
            crate::json::parse(b"[7.0, 3, -0.5, true]", &arena, &mut Default::default()).unwrap()
        else {
            panic!("not an array")
        };
        let texts: Vec<_> = items.iter().map(|n| value_text(n).unwrap()).collect();
        assert_eq!(texts, ["7.0", "3", "-0.5", "true"]);
    }
}
