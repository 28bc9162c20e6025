//! A borrowed JSON tree for one record, built in an arena.
//!
//! `serde_json::Value` costs one allocation per string and a hashed, insertion-ordered map per
//! object; for task JSON that was a third of the ingest time. Here strings without escapes borrow
//! the input, everything else lives in a [`Bump`] that is reset between records, and objects are
//! slices of pairs searched linearly (task objects have a handful of keys). Serialising a tree
//! gives exactly the text `serde_json::Value::to_string` gave (duplicate keys too: first position,
//! last value). Secrets are redacted while parsing, so no tree ever holds one.
//!
//! A parser of our own (`direct`) reads a record first; serde_json stays the reference. A
//! record the first refuses is parsed again by serde_json, so errors are serde_json's words, and
//! anything serde_json takes is taken. Nesting is held to serde_json's limit.

mod direct;
mod write;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;

use bumpalo::Bump;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use taskq_core::{REDACTED, SECRET_KEYS};

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
    scratch.lend(arena, |ctx, _| parse_with_serde_json(input, ctx))
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

/// The reference parser: slower, and the one whose errors users see.
fn parse_with_serde_json<'a>(
    input: &'a [u8],
    ctx: &Ctx<'a>,
) -> Result<Node<'a>, serde_json::Error> {
    // Checking UTF-8 once lets serde_json skip the check per string; an invalid input goes
    // through the byte reader, which reports where it breaks.
    match std::str::from_utf8(input) {
        Ok(text) => {
            let mut de = serde_json::Deserializer::from_str(text);
            let node = NodeSeed(ctx).deserialize(&mut de)?;
            de.end()?;
            Ok(node)
        }
        Err(_) => {
            let mut de = serde_json::Deserializer::from_slice(input);
            let node = NodeSeed(ctx).deserialize(&mut de)?;
            de.end()?;
            Ok(node)
        }
    }
}

/// The arena and two stacks shared by the whole parse: a container's children are gathered on
/// a stack and copied into the arena once, at their exact count.
struct Ctx<'a> {
    arena: &'a Bump,
    items: RefCell<Vec<Node<'a>>>,
    members: RefCell<Vec<(&'a str, Node<'a>)>>,
    /// Arrays and objects open around the value being read.
    depth: Cell<usize>,
}

/// The most arrays and objects serde_json reads nested in one another.
const MAX_DEPTH: usize = 127;

impl<'a> Ctx<'a> {
    /// A context on `arena` whose stacks take the room of `scratch`'s.
    fn new(arena: &'a Bump, scratch: &mut Scratch) -> Self {
        Ctx {
            arena,
            items: RefCell::new(recycle(std::mem::take(&mut scratch.items))),
            members: RefCell::new(recycle(std::mem::take(&mut scratch.members))),
            depth: Cell::new(0),
        }
    }

    /// Hands the stacks' room back to `scratch` (a parse given up on leaves them not empty).
    fn give_back(self, scratch: &mut Scratch) {
        scratch.items = recycle(self.items.into_inner());
        scratch.members = recycle(self.members.into_inner());
    }

    fn enter<E: serde::de::Error>(&self) -> Result<(), E> {
        let depth = self.depth.get() + 1;
        if depth > MAX_DEPTH {
            return Err(E::custom("recursion limit exceeded"));
        }
        self.depth.set(depth);
        Ok(())
    }

    fn leave(&self) {
        self.depth.set(self.depth.get() - 1);
    }

    /// The items gathered since `start`, as an array in the arena.
    fn finish_array(&self, start: usize) -> Node<'a> {
        let mut items = self.items.borrow_mut();
        let slice = self.arena.alloc_slice_copy(&items[start..]);
        items.truncate(start);
        Node::Arr(slice)
    }

    /// Adds a member to the object whose members are gathered from `start`: a secret's value
    /// redacted, a repeated key's value replacing the earlier one in its place.
    fn push_member(&self, start: usize, keys: &mut Keys<'a>, key: &'a str, mut value: Node<'a>) {
        if SECRET_KEYS.contains(&key) {
            value = Node::Str(REDACTED);
        }
        let mut members = self.members.borrow_mut();
        let len = members.len() - start;
        if keys.index.is_none() && len >= 32 {
            let built = members[start..]
                .iter()
                .enumerate()
                .map(|(i, (k, _))| (*k, i));
            keys.index = Some(built.collect());
        }
        let seen = match &mut keys.index {
            Some(index) => match index.entry(key) {
                Entry::Occupied(e) => Some(start + *e.get()),
                Entry::Vacant(e) => {
                    e.insert(len);
                    None
                }
            },
            None => {
                let bit = Keys::bit(key);
                let maybe = keys.filter & bit != 0;
                keys.filter |= bit;
                maybe
                    .then(|| members[start..].iter().position(|(k, _)| *k == key))
                    .flatten()
                    .map(|i| start + i)
            }
        };
        match seen {
            Some(i) => members[i].1 = value,
            None => members.push((key, value)),
        }
    }

    /// The members gathered since `start`, as an object in the arena.
    fn finish_object(&self, start: usize) -> Node<'a> {
        let mut members = self.members.borrow_mut();
        let slice = self.arena.alloc_slice_copy(&members[start..]);
        members.truncate(start);
        Node::Obj(Obj(slice))
    }
}

/// The keys of an object being read, for finding a repeated one: a scan while the object is
/// small, behind a filter of one bit per key (its length and first and last bytes), since
/// repeats are rare and most keys miss it; a hash index once the object is large, so a huge
/// object stays linear.
#[derive(Default)]
struct Keys<'a> {
    filter: u64,
    index: Option<HashMap<&'a str, usize>>,
}

impl Keys<'_> {
    fn bit(key: &str) -> u64 {
        let b = key.as_bytes();
        let (first, last) = (b.first().copied(), b.last().copied());
        let h = b.len() * 7 + 3 * usize::from(first.unwrap_or(0)) + usize::from(last.unwrap_or(0));
        1 << (h % 64)
    }
}

#[derive(Clone, Copy)]
struct NodeSeed<'c, 'a>(&'c Ctx<'a>);

#[derive(Clone, Copy)]
struct KeySeed<'c, 'a>(&'c Ctx<'a>);

impl<'de: 'a, 'a> DeserializeSeed<'de> for NodeSeed<'_, 'a> {
    type Value = Node<'a>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Node<'a>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de: 'a, 'a> DeserializeSeed<'de> for KeySeed<'_, 'a> {
    type Value = &'a str;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<&'a str, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de: 'a, 'a> Visitor<'de> for KeySeed<'_, 'a> {
    type Value = &'a str;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<&'a str, E> {
        Ok(v)
    }

    fn visit_str<E>(self, v: &str) -> Result<&'a str, E> {
        Ok(self.0.arena.alloc_str(v))
    }
}

impl<'de: 'a, 'a> Visitor<'de> for NodeSeed<'_, 'a> {
    type Value = Node<'a>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Node<'a>, E> {
        Ok(Node::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Node<'a>, E> {
        // serde_json reads non-negative integers as u64; keep the two apart as it does.
        Ok(Node::Num(if v < 0 {
            Num::Neg(v)
        } else {
            Num::Pos(v as u64)
        }))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Node<'a>, E> {
        Ok(Node::Num(Num::Pos(v)))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Node<'a>, E> {
        Ok(Node::Num(Num::Float(v)))
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Node<'a>, E> {
        Ok(Node::Str(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Node<'a>, E> {
        Ok(Node::Str(self.0.arena.alloc_str(v)))
    }

    fn visit_unit<E>(self) -> Result<Node<'a>, E> {
        Ok(Node::Null)
    }

    fn visit_none<E>(self) -> Result<Node<'a>, E> {
        Ok(Node::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node<'a>, A::Error> {
        let ctx = self.0;
        ctx.enter()?;
        let start = ctx.items.borrow().len();
        while let Some(item) = seq.next_element_seed(self)? {
            ctx.items.borrow_mut().push(item);
        }
        ctx.leave();
        Ok(ctx.finish_array(start))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node<'a>, A::Error> {
        let ctx = self.0;
        ctx.enter()?;
        let start = ctx.members.borrow().len();
        let mut keys = Keys::default();
        while let Some(key) = map.next_key_seed(KeySeed(ctx))? {
            let value = map.next_value_seed(self)?;
            ctx.push_member(start, &mut keys, key, value);
        }
        ctx.leave();
        Ok(ctx.finish_object(start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(text: &str) -> String {
        let arena = Bump::new();
        parse(text.as_bytes(), &arena, &mut Scratch::default())
            .unwrap()
            .to_json()
    }

    #[test]
    fn serialises_as_serde_json_values_do() {
        let mut many_keys: Vec<String> = (0..100).map(|i| format!("\"k{}\":{i}", i % 70)).collect();
        many_keys.push(r#""k3":"last""#.into());
        let many_keys = format!("{{{}}}", many_keys.join(","));
        for text in [
            r#"{"a":1,"b":[true,false,null],"c":{"d":"e\n\"f\"","g":-3,"h":7.0,"i":1e300}}"#,
            r#"[0.1,-0.0,18446744073709551615,-9223372036854775808,2.5e-8,"\u00e9\ud83d\ude00"]"#,
            r#"{"k":"v","k":"w","j":1,"k":"x"}"#,
            many_keys.as_str(),
            r#"{"outer":{"workspace_token":{"nested":"secret"},"x":[{"workspace_token":"t"}]}}"#,
            r#""plain""#,
            "  3  ",
        ] {
            let text: &str = text;
            let mut expected: serde_json::Value = serde_json::from_str(text).unwrap();
            redact_value(&mut expected);
            assert_eq!(roundtrip(text), expected.to_string(), "{text}");
        }
    }

    fn redact_value(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(o) => {
                for (k, child) in o.iter_mut() {
                    if SECRET_KEYS.contains(&k.as_str()) {
                        *child = REDACTED.into();
                    } else {
                        redact_value(child);
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(redact_value),
            _ => {}
        }
    }

    #[test]
    fn errors_are_serde_jsons() {
        let arena = Bump::new();
        for text in [&b"{\"a\":}"[..], b"[1,2", b"{\"a\":1} x", b"\"\xff\"", b""] {
            let ours = parse(text, &arena, &mut Scratch::default())
                .unwrap_err()
                .to_string();
            let theirs = serde_json::from_slice::<serde_json::Value>(text)
                .unwrap_err()
                .to_string();
            assert_eq!(ours, theirs);
        }
    }

    /// Both parsers' answers, as text that tells `-0.0` from `0.0`, or their errors. Ours
    /// parses with `scratch` as left by the inputs before, some of them given up on.
    fn both(
        text: &[u8],
        scratch: &mut Scratch,
    ) -> (Result<String, String>, Result<String, String>) {
        let show = |r: Result<Node, serde_json::Error>| {
            r.map(|n| format!("{n:?} {}", n.to_json()))
                .map_err(|e| e.to_string())
        };
        let (a, b) = (Bump::new(), Bump::new());
        let theirs = Scratch::default().lend(&b, |ctx, _| parse_with_serde_json(text, ctx));
        (show(parse(text, &a, scratch)), show(theirs))
    }

    /// A small deterministic generator, so a failure names an input that can be made again.
    struct XorShift(u64);

    impl XorShift {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    #[test]
    fn parses_as_serde_json_does() {
        let mut texts: Vec<Vec<u8>> = [
            "01",
            "1.",
            ".5",
            "+1",
            "NaN",
            "[1,]",
            "{\"a\":1,}",
            "[1 2]",
            "{\"a\" 1}",
            "tru",
            "true x",
            "{\"a\":1}{}",
            "\u{feff}1",
            " \t\n\r1\r\n",
            "\"a\u{1}b\"",
            "\"\\x\"",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "\"\\ud800\\u0041\"",
            "\"\\uD83D\\uDE00\"",
            "\"\\u0000\"",
            "1e400",
            "-1e400",
            "1e-400",
            "-1e-400",
            "18446744073709551616",
            "-9223372036854775809",
            "123456789012345678901234567890",
            "2.2250738585072011e-308",
            "4.9e-324",
            "1.7976931348623157e308",
            "1.7976931348623159e308",
            "9007199254740993.0",
            "1.00000000000000011102230246251565404236316680908203125",
            "-0",
            "-0.0",
            "-0.000e5",
            "-0e-3",
            "[0.0,\"2026-05-03\"]",
            "{\"t\":0.0,\"d\":-0.5}",
            "{\"t\":0.0,\"z\":\"UTC-0\"}",
        ]
        .iter()
        .map(|t| t.as_bytes().to_vec())
        .collect();
        texts.push(b"\"\xff\"".to_vec());
        for depth in [MAX_DEPTH, MAX_DEPTH + 1, 200] {
            texts.push(format!("{}{}", "[".repeat(depth), "]".repeat(depth)).into_bytes());
            let object = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
            texts.push(object.into_bytes());
        }
        let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/fixtures");
        for entry in std::fs::read_dir(fixtures).unwrap() {
            texts.push(std::fs::read(entry.unwrap().path()).unwrap());
        }
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        for _ in 0..100_000 {
            // Numbers: sign, 1 to 25 digits, a decimal point anywhere, an exponent or none.
            let digits = 1 + rng.below(25);
            let mut text: String = (0..digits)
                .map(|_| char::from(b'0' + rng.below(10) as u8))
                .collect();
            if text.len() > 1 && text.starts_with('0') && rng.below(4) > 0 {
                text.replace_range(..1, "7");
            }
            let dot = rng.below(digits + 1);
            if dot > 0 && dot < digits {
                text.insert(dot, '.');
            }
            if rng.below(2) == 0 {
                text.insert(0, '-');
            }
            if rng.below(2) == 0 {
                text.push_str(&format!("e{}", rng.below(680) as i64 - 350));
            }
            texts.push(text.into_bytes());
        }
        let pieces = [
            "a",
            "\\n",
            "\\\"",
            "\\\\",
            "\\u0041",
            "\\ud83d\\ude00",
            "\\ud800",
            "\\udc00",
            "\u{1}",
            "\u{7f}",
            "é",
            "😀",
            "\\/",
            "\\b",
            "\\x",
            "\\u12",
            "\t",
            "\"",
            "\\uD834\\uDD1E",
            "\\u001F",
            "\\f",
            "\\r",
            "-0",
            ".0",
        ];
        for _ in 0..50_000 {
            // Strings of escapes, valid and not, as values and as keys.
            let text: String = (0..rng.below(12))
                .map(|_| pieces[rng.below(pieces.len())])
                .collect();
            texts.push(format!("\"{text}\"").into_bytes());
            texts.push(format!("{{\"{text}\":-0,\"k\":0.0}}").into_bytes());
        }
        let mut read_by_serde_json = 0;
        let mut scratch = Scratch::default();
        for text in texts {
            let (ours, reference) = both(&text, &mut scratch);
            assert_eq!(ours, reference, "{}", String::from_utf8_lossy(&text));
            // And written back as serde_json writes what it read.
            if let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(&text) {
                redact_value(&mut value);
                let arena = Bump::new();
                let node = parse(&text, &arena, &mut scratch).unwrap();
                assert_eq!(node.to_json(), value.to_string());
            }
            // All that serde_json takes, ours takes itself, but integers past 64 bits.
            let arena = Bump::new();
            let direct = std::str::from_utf8(&text).ok().and_then(|t| {
                scratch.lend(&arena, |ctx, unescaped| direct::parse(t, ctx, unescaped))
            });
            let digits = text.strip_prefix(b"-").unwrap_or(&text);
            let long_integer = digits.len() > 19 && digits.iter().all(u8::is_ascii_digit);
            if reference.is_ok() && !long_integer {
                assert!(direct.is_some(), "{}", String::from_utf8_lossy(&text));
                read_by_serde_json += 1;
            }
        }
        assert!(read_by_serde_json > 100_000, "{read_by_serde_json}");
    }

    #[test]
    fn scratch_keeps_its_room_and_no_items() {
        let mut scratch = Scratch::default();
        let arena = Bump::new();
        let members: Vec<String> = (0..50)
            .map(|i| format!("\"k{i}\":[{i},\"a\\n\"]"))
            .collect();
        let text = format!("{{{}}}", members.join(","));
        parse(text.as_bytes(), &arena, &mut scratch).unwrap();
        let room = (scratch.items.capacity(), scratch.members.capacity());
        assert!(room.0 >= 2 && room.1 >= 50, "{room:?}");
        // Given up on by both parsers half way, with items and members on the stacks.
        assert!(parse(br#"{"a":[1,{"b":[2,"#, &arena, &mut scratch).is_err());
        assert!(scratch.items.is_empty() && scratch.members.is_empty());
        assert!(scratch.items.capacity() >= room.0 && scratch.members.capacity() >= room.1);
    }

    #[test]
    fn negative_zero_stays_negative() {
        let arena = Bump::new();
        let node = parse(
            b"[-0, -0.0, -0.00e5, 0.0, 0]",
            &arena,
            &mut Scratch::default(),
        )
        .unwrap();
        assert_eq!(node.to_json(), "[-0.0,-0.0,-0.0,0.0,0]");
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let arena = Bump::new();
        let deep = "[".repeat(100_000);
        assert!(parse(deep.as_bytes(), &arena, &mut Scratch::default()).is_err());
    }

    #[test]
    fn numbers_read_and_print_like_serde_json() {
        let arena = Bump::new();
        let node = parse(
            b"[7.0,3,-0.5,0.013459268511805123]",
            &arena,
            &mut Scratch::default(),
        )
        .unwrap();
        let Node::Arr(items) = node else {
            panic!("not an array")
        };
        let texts: Vec<_> = items
            .iter()
            .map(|n| match n {
                Node::Num(x) => x.to_text(),
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(texts, ["7.0", "3", "-0.5", "0.013459268511805123"]);
    }
}
