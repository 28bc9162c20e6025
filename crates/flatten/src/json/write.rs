//! Compact JSON text of a tree, spelled as serde_json spells it: the same escapes, numbers as
//! [`Num::write_to`] prints them. A string is copied in runs between the bytes that need an
//! escape, found by the parser's wide scan, where serde_json looks each byte up in turn.

use std::fmt::Write;

use super::Node;
use super::direct::next_special;

pub(super) fn node(out: &mut String, n: &Node) {
    match *n {
        Node::Null => out.push_str("null"),
        Node::Bool(b) => out.push_str(if b { "true" } else { "false" }),
        Node::Num(n) => n.write_to(out),
        Node::Str(s) => string(out, s),
        Node::Arr(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                node(out, item);
            }
            out.push(']');
        }
        Node::Obj(o) => pairs(out, o.iter().map(|(k, v)| (*k, v))),
    }
}

/// `(key, value)` pairs as one JSON object.
pub(super) fn pairs<'p>(out: &mut String, pairs: impl Iterator<Item = (&'p str, &'p Node<'p>)>) {
    out.push('{');
    for (i, (k, v)) in pairs.enumerate() {
        if i > 0 {
            out.push(',');
        }
        string(out, k);
        out.push(':');
        node(out, v);
    }
    out.push('}');
}

fn string(out: &mut String, s: &str) {
    out.push('"');
    let bytes = s.as_bytes();
    let mut at = 0;
    while let Some(end) = next_special(bytes, at) {
        // Special bytes are ASCII, so both ends fall between characters.
        out.push_str(&s[at..end]);
        match bytes[end] {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            c => write!(out, "\\u{c:04x}").expect("a String takes any text"),
        }
        at = end + 1;
    }
    out.push_str(&s[at..]);
    out.push('"');
}
