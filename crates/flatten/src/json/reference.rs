//! The reference parser: serde_json, read through a visitor into the same tree. Slower than
//! `direct`, and the one whose errors users see.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::build::{Ctx, Keys};
use super::{Node, Num};

/// The reference parser: slower, and the one whose errors users see.
pub(super) fn parse<'a>(input: &'a [u8], ctx: &Ctx<'a>) -> Result<Node<'a>, serde_json::Error> {
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
