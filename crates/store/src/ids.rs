//! The task ids a run has written, each with the segment it was last written in.
//!
//! A run keeps one entry per task for its whole length, so the entry is kept small: the ids'
//! text back to back in one buffer, and a hash table of (id number, segment) pairs. At 24-byte
//! ids that is some 45 bytes a task, where a `HashMap<String, u32>` took about 100.

use std::hash::{BuildHasher, RandomState};

use hashbrown::HashTable;
use hashbrown::hash_table::Entry;

#[derive(Debug, Default)]
pub(crate) struct TaskIds {
    /// Every id, back to back, in the order first seen.
    text: String,
    /// Where the n-th id ends in `text`.
    ends: Vec<usize>,
    /// (id number, segment) per id.
    table: HashTable<(u32, u32)>,
    hasher: RandomState,
}

/// The n-th id of `text`.
fn nth<'a>(text: &'a str, ends: &[usize], n: u32) -> &'a str {
    let n = n as usize;
    let start = if n == 0 { 0 } else { ends[n - 1] };
    &text[start..ends[n]]
}

impl TaskIds {
    /// How many distinct ids the run has written.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// The segment `id` was last written in, if it was.
    pub(crate) fn segment(&self, id: &str) -> Option<u32> {
        let hash = self.hasher.hash_one(id);
        self.table
            .find(hash, |&(n, _)| nth(&self.text, &self.ends, n) == id)
            .map(|&(_, segment)| segment)
    }

    /// Records that `id` was written in `segment`.
    pub(crate) fn insert(&mut self, id: &str, segment: u32) {
        let TaskIds {
            text,
            ends,
            table,
            hasher,
        } = self;
        let hash = hasher.hash_one(id);
        let entry = table.entry(
            hash,
            |&(n, _)| nth(text, ends, n) == id,
            |&(n, _)| hasher.hash_one(nth(text, ends, n)),
        );
        match entry {
            Entry::Occupied(mut e) => e.get_mut().1 = segment,
            Entry::Vacant(e) => {
                let n = u32::try_from(ends.len())
                    .unwrap_or_else(|_| panic!("a run holds at most {} tasks", u32::MAX));
                text.push_str(id);
                ends.push(text.len());
                e.insert((n, segment));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TaskIds;

    #[test]
    fn ids_keep_their_last_segment_and_count_once() {
        let mut ids = TaskIds::default();
        for (n, id) in ["a", "bb", "", "ccc"].iter().enumerate() {
            ids.insert(id, n as u32);
        }
        ids.insert("bb", 7);
        assert_eq!(ids.len(), 4);
        assert_eq!(ids.segment("a"), Some(0));
        assert_eq!(ids.segment("bb"), Some(7));
        assert_eq!(ids.segment(""), Some(2));
        assert_eq!(ids.segment("ccc"), Some(3));
        assert_eq!(ids.segment("b"), None);
        assert_eq!(ids.segment("abb"), None);
    }

    #[test]
    fn many_ids_survive_the_table_growing() {
        let mut ids = TaskIds::default();
        for n in 0..100_000u32 {
            ids.insert(&format!("task-{n}"), n % 3);
        }
        assert_eq!(ids.len(), 100_000);
        for n in (0..100_000u32).step_by(997) {
            assert_eq!(ids.segment(&format!("task-{n}")), Some(n % 3));
        }
        assert_eq!(ids.segment("task-100000"), None);
    }
}
