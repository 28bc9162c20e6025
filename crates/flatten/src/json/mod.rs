//! A borrowed JSON tree for one record, built in an arena, and the parsers that build it.
//!
//! Why a parser of our own: parsing task JSON into `serde_json::Value` cost one allocation per
//! string and a hashed, insertion-ordered map per object, a third of the ingest time. Here
//! strings without escapes borrow the input, everything else lives in a [`Bump`] that is reset
//! between records, and objects are slices of pairs searched linearly (task objects have a
//! handful of keys). A hand-written parser (`direct`) reads a record first; serde_json
//! (`reference`) stays the reference: a record the first refuses is parsed again by serde_json,
//! so errors are serde_json's words and anything serde_json takes is taken. The differential
//! test beside them (`tests`) holds the two to the same trees. Serialising a tree (`write`)
//! gives exactly the text `serde_json::Value::to_string` gives (duplicate keys too: first
//! position, last value). Nesting is held to serde_json's limit, and secrets are redacted while
//! parsing, so no tree ever holds one.

mod build;
mod direct;
mod reference;
mod write;

#[cfg(test)]
mod tests;

use bumpalo::Bump;

use build::Ctx;

/// A JSON number as serde_json reads it: non-negative integers, negative integers, floats.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Num {
    Pos(u64),
    Neg(i64),
    Float(f64),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Node<'a> {
    Null,
    Bool(bool),
    Num(Num),
    Str(&'a str),
    Arr(&'a [Node<'a>]),
    Obj(Obj<'a>),
}

/// An object's members in document order, keys unique.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Obj<'a>(pub(crate) &'a [(&'a str, Node<'a>)]);

impl<'a> Obj<'a> {
    /// Inlined, so that a literal `key` is compared as a constant of known length rather than
    /// by a call to `memcmp` per member (see `Extra`).
    #[inline(always)]
    pub(crate) fn get(&self, key: &str) -> Option<&'a Node<'a>> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    pub(crate) fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &'a (&'a str, Node<'a>)> + use<'a> {
        self.0.iter()
    }
}

impl<'a> Node<'a> {
    pub(crate) fn as_str(&self) -> Option<&'a str> {
        match self {
            Node::Str(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn as_object(&self) -> Option<Obj<'a>> {
        match self {
            Node::Obj(o) => Some(*o),
            _ => None,
        }
    }

    pub(crate) fn as_f64(&self) -> Option<f64> {
        match *self {
            Node::Num(Num::Pos(n)) => Some(n as f64),
            Node::Num(Num::Neg(n)) => Some(n as f64),
            Node::Num(Num::Float(f)) => Some(f),
            _ => None,
        }
    }

    pub(crate) fn as_i64(&self) -> Option<i64> {
        match *self {
            Node::Num(Num::Pos(n)) => i64::try_from(n).ok(),
            Node::Num(Num::Neg(n)) => Some(n),
            _ => None,
        }
    }

    pub(crate) fn as_bool(&self) -> Option<bool> {
        match *self {
            Node::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub(crate) fn is_null(&self) -> bool {
        matches!(self, Node::Null)
    }

    pub(crate) fn is_string(&self) -> bool {
        matches!(self, Node::Str(_))
    }

    pub(crate) fn is_array(&self) -> bool {
        matches!(self, Node::Arr(_))
    }

    /// The JSON type's name, for error messages and `value_type`.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Node::Null => "null",
            Node::Bool(_) => "boolean",
            Node::Num(_) => "number",
            Node::Str(_) => "string",
            Node::Arr(_) => "array",
            Node::Obj(_) => "object",
        }
    }

    /// Compact JSON text, as `serde_json::Value::to_string` gives it.
    pub(crate) fn to_json(self) -> String {
        // serde_json's first allocation: most values fit, the rest grow once or twice.
        let mut out = String::with_capacity(128);
        self.write_json(&mut out);
        out
    }

    /// [`Node::to_json`]'s text, appended to `out`.
    pub(crate) fn write_json(&self, out: &mut String) {
        write::node(out, self);
    }
}

impl Num {
    /// serde_json's spelling: integers as written, floats shortest round-trip with `.0`, by the
    /// crates serde_json prints with (through `fmt` numbers took a quarter of the writer's time).
    pub(crate) fn write_to(self, out: &mut String) {
        match self {
            Num::Pos(n) => out.push_str(itoa::Buffer::new().format(n)),
            Num::Neg(n) => out.push_str(itoa::Buffer::new().format(n)),
            // Trees hold finite floats only; serde_json writes others as null.
            Num::Float(x) if x.is_finite() => out.push_str(zmij::Buffer::new().format_finite(x)),
            Num::Float(_) => out.push_str("null"),
        }
    }

    pub(crate) fn to_text(self) -> String {
        let mut out = String::new();
        self.write_to(&mut out);
        out
    }
}

/// `(key, value)` pairs as one compact JSON object.
pub(crate) fn pairs_to_json<'p>(pairs: impl Iterator<Item = (&'p str, &'p Node<'p>)>) -> String {
    let mut out = String::with_capacity(128);
    write::pairs(&mut out, pairs);
    out
}

/// Parses one JSON text into a tree that borrows `input` and `arena`; `scratch` lends the room
/// it grew to in the parses before.
pub(crate) fn parse<'a>(
    input: &'a [u8],
    arena: &'a Bump,
    scratch: &mut Scratch,
) -> Result<Node<'a>, serde_json::Error> {
    if let Ok(text) = simdutf8::basic::from_utf8(input)
        && let Some(node) =
            scratch.lend(arena, |ctx, unescaped| direct::parse(text, ctx, unescaped))
    {
        return Ok(node);
    }
    scratch.lend(arena, |ctx, _| reference::parse(input, ctx))
}

/// The parser's two stacks and its buffer for unescaped strings, kept between records so that
/// their room is reused (made anew for each record, they regrew for each). The stacks are empty
/// between parses.
#[derive(Default)]
pub(crate) struct Scratch {
    items: Vec<Node<'static>>,
    members: Vec<(&'static str, Node<'static>)>,
    unescaped: String,
}

impl Scratch {
    /// Runs `parse` with a context of its own on `arena` (a parse given up on leaves its depth
    /// and stacks behind), lending it this scratch's room and taking the room back after.
    fn lend<'a, R>(
        &mut self,
        arena: &'a Bump,
        parse: impl FnOnce(&Ctx<'a>, &mut String) -> R,
    ) -> R {
        let ctx = Ctx::new(arena, self);
        let out = parse(&ctx, &mut self.unescaped);
        ctx.give_back(self);
        out
    }
}

/// `v` emptied, as a vector of another element type with the same room: an empty vector's
/// allocation carries no borrows, and collecting in place keeps it (the map is never called).
fn recycle<T, U>(mut v: Vec<T>) -> Vec<U> {
    v.clear();
    v.into_iter()
        .map(|_| unreachable!("the vector is empty"))
        .collect()
}
