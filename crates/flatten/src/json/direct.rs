//! A JSON parser for the common case, straight into the tree.
//!
//! It reads what serde_json reads, to the same values, and gives up (`None`) on anything else:
//! an error, or a rare shape it leaves to serde_json (an integer past 64 bits, a float past
//! `f64`'s range). Its strings are scanned in wide steps and borrowed from the input unless they
//! hold escapes. A general fast parser (sonic-rs) read through serde's visitor cost more on
//! task JSON (docs/performance.md, "Parsing").

use super::build::{Ctx, Keys};
use super::{Node, Num};

/// Parses all of `text`: one value, white space around it. `unescaped` lends its room.
pub(super) fn parse<'a>(text: &'a str, ctx: &Ctx<'a>, unescaped: &mut String) -> Option<Node<'a>> {
    let mut p = Parser {
        text,
        s: text.as_bytes(),
        i: 0,
        ctx,
        scratch: std::mem::take(unescaped),
    };
    let node = p.value();
    p.skip_ws();
    *unescaped = p.scratch;
    node.filter(|_| p.i == p.s.len())
}

struct Parser<'c, 'a> {
    text: &'a str,
    s: &'a [u8],
    i: usize,
    ctx: &'c Ctx<'a>,
    /// A string with escapes, unescaped here before it is copied into the arena.
    scratch: String,
}

impl<'a> Parser<'_, 'a> {
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    /// The next byte after white space, not consumed.
    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.s.get(self.i).copied()
    }

    fn value(&mut self) -> Option<Node<'a>> {
        match self.peek()? {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' => self.string().map(Node::Str),
            b't' => self.word(b"true", Node::Bool(true)),
            b'f' => self.word(b"false", Node::Bool(false)),
            b'n' => self.word(b"null", Node::Null),
            b'-' | b'0'..=b'9' => self.number().map(Node::Num),
            _ => None,
        }
    }

    fn word(&mut self, word: &[u8], node: Node<'a>) -> Option<Node<'a>> {
        let end = self.i + word.len();
        (self.s.get(self.i..end)? == word).then(|| {
            self.i = end;
            node
        })
    }

    fn array(&mut self) -> Option<Node<'a>> {
        let ctx = self.ctx;
        ctx.enter::<serde_json::Error>().ok()?;
        self.i += 1;
        let start = ctx.items.borrow().len();
        let mut more = !self.closes(b']')?;
        while more {
            let item = self.value()?;
            ctx.items.borrow_mut().push(item);
            more = self.more(b']')?;
        }
        ctx.leave();
        Some(ctx.finish_array(start))
    }

    fn object(&mut self) -> Option<Node<'a>> {
        let ctx = self.ctx;
        ctx.enter::<serde_json::Error>().ok()?;
        self.i += 1;
        let start = ctx.members.borrow().len();
        let mut keys = Keys::default();
        let mut more = !self.closes(b'}')?;
        while more {
            if self.peek()? != b'"' {
                return None;
            }
            let key = self.string()?;
            if self.peek()? != b':' {
                return None;
            }
            self.i += 1;
            let value = self.value()?;
            ctx.push_member(start, &mut keys, key, value);
            more = self.more(b'}')?;
        }
        ctx.leave();
        Some(ctx.finish_object(start))
    }

    /// Right after a container opens: whether `close` follows at once (and is consumed).
    fn closes(&mut self, close: u8) -> Option<bool> {
        let closed = self.peek()? == close;
        if closed {
            self.i += 1;
        }
        Some(closed)
    }

    /// After an item: a comma (another item follows) or `close`, consumed; `None` otherwise.
    fn more(&mut self, close: u8) -> Option<bool> {
        let b = self.peek()?;
        self.i += 1;
        match b {
            b',' => Some(true),
            _ if b == close => Some(false),
            _ => None,
        }
    }

    /// A string at the opening quote: borrowed from the input, or unescaped into the arena.
    /// Inlined where strings are read (keys and values), its rare turns out of line: a call
    /// for each of the record's strings would save registers and load the scan's constants.
    #[inline(always)]
    fn string(&mut self) -> Option<&'a str> {
        let start = self.i + 1;
        let end = next_special(self.s, start)?;
        if self.s[end] == b'"' {
            self.i = end + 1;
            // Not `text.get(start..end)`, which the compiler left a call here.
            let (before, _) = self.text.split_at_checked(end)?;
            return before.split_at_checked(start).map(|(_, text)| text);
        }
        self.escaped_string(start, end)
    }

    /// The rest of a string from `start` whose first special byte, at `end`, is not its
    /// closing quote: an escape, or a control character (refused, as serde_json does).
    #[inline(never)]
    fn escaped_string(&mut self, start: usize, mut end: usize) -> Option<&'a str> {
        self.scratch.clear();
        let mut at = start;
        loop {
            if self.s[end] < 0x20 {
                return None;
            }
            self.scratch.push_str(self.text.get(at..end)?);
            if self.s[end] == b'"' {
                self.i = end + 1;
                return Some(self.ctx.arena.alloc_str(&self.scratch));
            }
            at = self.escape(end + 1)?;
            end = next_special(self.s, at)?;
        }
    }

    /// Unescapes the escape after the backslash at `at - 1`; the position after it.
    fn escape(&mut self, at: usize) -> Option<usize> {
        let c = match *self.s.get(at)? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let unit = self.hex4(at + 1)?;
                let (c, next) = match unit {
                    0xD800..=0xDBFF => {
                        if self.s.get(at + 5..at + 7)? != b"\\u" {
                            return None;
                        }
                        let low = self.hex4(at + 7)?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return None;
                        }
                        let c = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                        (char::from_u32(c)?, at + 11)
                    }
                    0xDC00..=0xDFFF => return None,
                    _ => (char::from_u32(unit)?, at + 5),
                };
                self.scratch.push(c);
                return Some(next);
            }
            _ => return None,
        };
        self.scratch.push(c);
        Some(at + 1)
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let digits = self.s.get(at..at + 4)?;
        digits.iter().try_fold(0u32, |n, &b| {
            let d = (b as char).to_digit(16)?;
            Some(n * 16 + d)
        })
    }

    /// A number as serde_json reads it: non-negative integers as `u64`, negative ones as
    /// `i64`, `-0` and anything with a fraction or exponent as `f64`.
    fn number(&mut self) -> Option<Num> {
        let start = self.i;
        let negative = self.s[self.i] == b'-';
        if negative {
            self.i += 1;
        }
        let int_start = self.i;
        match self.s.get(self.i)? {
            b'0' => self.i += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        let int_end = self.i;
        let mut float = false;
        if self.s.get(self.i) == Some(&b'.') {
            self.i += 1;
            if !self.s.get(self.i)?.is_ascii_digit() {
                return None;
            }
            self.digits();
            float = true;
        }
        if let Some(b'e' | b'E') = self.s.get(self.i) {
            self.i += 1;
            if let Some(b'+' | b'-') = self.s.get(self.i) {
                self.i += 1;
            }
            if !self.s.get(self.i)?.is_ascii_digit() {
                return None;
            }
            self.digits();
            float = true;
        }
        if float {
            let x: f64 = self.text.get(start..self.i)?.parse().ok()?;
            return x.is_finite().then_some(Num::Float(x));
        }
        // More than 64 bits is left to serde_json.
        let significand: u64 = self.text.get(int_start..int_end)?.parse().ok()?;
        Some(if !negative {
            Num::Pos(significand)
        } else {
            let neg = (significand as i64).wrapping_neg();
            if neg >= 0 {
                Num::Float(-(significand as f64))
            } else {
                Num::Neg(neg)
            }
        })
    }

    fn digits(&mut self) {
        while self.s.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
    }
}

/// Bytes that end a run of plain string text: a quote, a backslash, a control character.
const SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = b < 0x20 || b == b'"' as usize || b == b'\\' as usize;
        b += 1;
    }
    t
};

/// The position of the first special byte at or after `at`: 8 bytes at a time, then (past
/// the short strings most are) 32 at a time in a loop the compiler turns into vector compares,
/// then 8 at a time again within the 32 that hold it (byte by byte there cost more).
/// Shared with the writer.
#[inline]
pub(super) fn next_special(s: &[u8], mut at: usize) -> Option<usize> {
    for _ in 0..2 {
        let Some(word) = s.get(at..at + 8) else {
            break;
        };
        let flags = special_bytes(u64::from_le_bytes(word.try_into().ok()?));
        if flags != 0 {
            return Some(at + (flags.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    while let Some(chunk) = s.get(at..at + 32) {
        if chunk.iter().fold(false, |any, &b| {
            any | (b < 0x20) | (b == b'"') | (b == b'\\')
        }) {
            break;
        }
        at += 32;
    }
    while let Some(word) = s.get(at..at + 8) {
        let flags = special_bytes(u64::from_le_bytes(word.try_into().ok()?));
        if flags != 0 {
            return Some(at + (flags.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    s[at..]
        .iter()
        .position(|&b| SPECIAL[b as usize])
        .map(|p| at + p)
}

/// The high bit of each special byte of `word` set, and perhaps of bytes above the first
/// special one (a borrow runs upwards), never below it.
fn special_bytes(word: u64) -> u64 {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = ONES * 0x80;
    let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGH;
    control | zero_byte(word ^ (ONES * b'"' as u64)) | zero_byte(word ^ (ONES * b'\\' as u64))
}
