//! Building the tree: the arena, the stacks a container's children gather on, the depth
//! limit, and the keys of an object being read. Both parsers build through it.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::collections::hash_map::Entry;

use bumpalo::Bump;
use taskq_core::{REDACTED, SECRET_KEYS};

use super::{Node, Obj, Scratch, recycle};

/// The arena and two stacks shared by the whole parse: a container's children are gathered on
/// a stack and copied into the arena once, at their exact count.
pub(super) struct Ctx<'a> {
    pub(super) arena: &'a Bump,
    pub(super) items: RefCell<Vec<Node<'a>>>,
    pub(super) members: RefCell<Vec<(&'a str, Node<'a>)>>,
    /// Arrays and objects open around the value being read.
    pub(super) depth: Cell<usize>,
}

/// The most arrays and objects serde_json reads nested in one another.
pub(super) const MAX_DEPTH: usize = 127;

impl<'a> Ctx<'a> {
    /// A context on `arena` whose stacks take the room of `scratch`'s.
    pub(super) fn new(arena: &'a Bump, scratch: &mut Scratch) -> Self {
        Ctx {
            arena,
            items: RefCell::new(recycle(std::mem::take(&mut scratch.items))),
            members: RefCell::new(recycle(std::mem::take(&mut scratch.members))),
            depth: Cell::new(0),
        }
    }

    /// Hands the stacks' room back to `scratch` (a parse given up on leaves them not empty).
    pub(super) fn give_back(self, scratch: &mut Scratch) {
        scratch.items = recycle(self.items.into_inner());
        scratch.members = recycle(self.members.into_inner());
    }

    pub(super) fn enter<E: serde::de::Error>(&self) -> Result<(), E> {
        let depth = self.depth.get() + 1;
        if depth > MAX_DEPTH {
            return Err(E::custom("recursion limit exceeded"));
        }
        self.depth.set(depth);
        Ok(())
    }

    pub(super) fn leave(&self) {
        self.depth.set(self.depth.get() - 1);
    }

    /// The items gathered since `start`, as an array in the arena.
    pub(super) fn finish_array(&self, start: usize) -> Node<'a> {
        let mut items = self.items.borrow_mut();
        let slice = self.arena.alloc_slice_copy(&items[start..]);
        items.truncate(start);
        Node::Arr(slice)
    }

    /// Adds a member to the object whose members are gathered from `start`: a secret's value
    /// redacted, a repeated key's value replacing the earlier one in its place.
    pub(super) fn push_member(
        &self,
        start: usize,
        keys: &mut Keys<'a>,
        key: &'a str,
        mut value: Node<'a>,
    ) {
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
    pub(super) fn finish_object(&self, start: usize) -> Node<'a> {
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
pub(super) struct Keys<'a> {
    pub(super) filter: u64,
    pub(super) index: Option<HashMap<&'a str, usize>>,
}

impl Keys<'_> {
    pub(super) fn bit(key: &str) -> u64 {
        let b = key.as_bytes();
        let (first, last) = (b.first().copied(), b.last().copied());
        let h = b.len() * 7 + 3 * usize::from(first.unwrap_or(0)) + usize::from(last.unwrap_or(0));
        1 << (h % 64)
    }
}
