//! The flattener: records in, one segment of Arrow batches per stretch of distinct task ids out.

use std::collections::HashSet;

use arrow::record_batch::RecordBatch;
use bumpalo::Bump;
use taskq_core::{Table, redact_text};

use crate::envelope::{doc_to_task, envelope_items};
use crate::json::{self, Node};
use crate::reader::{Record, RecordKind};
use crate::task;
use crate::{Delivery, RecordError, Rejected};

/// Flattened rows of whole tasks, one batch per table: a segment, within which a task id occurs
/// at most once.
#[derive(Debug, Default)]
pub struct Batches {
    pub tasks: usize,
    pub batches: Vec<(Table, RecordBatch)>,
}

impl Batches {
    pub fn get(&self, t: Table) -> Option<&RecordBatch> {
        self.batches.iter().find(|(bt, _)| *bt == t).map(|(_, b)| b)
    }
}

/// Counts for the ingest summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlattenStats {
    /// Tasks flattened (a task id seen twice counts twice).
    pub tasks: u64,
    /// Keys written to an `extra_json` column: unknown fields and values that did not fit.
    pub extra_fields: u64,
}

/// Turns records into Arrow batches.
pub struct Flattener {
    /// Holds the parsed tree of the record being flattened; reset for each record.
    arena: Bump,
    scratch: json::Scratch,
    pending: Pending,
}

/// Rows flattened and not yet taken: everything but the arena, so that a tree borrowed from
/// the arena can be flattened into it.
struct Pending {
    /// The open segment's rows.
    builders: task::Builders,
    /// The open segment's task ids.
    ids: HashSet<String>,
    /// Segments closed and not yet taken, in input order.
    ready: Vec<Batches>,
    stats: FlattenStats,
}

impl std::fmt::Debug for Flattener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Flattener")
            .field("buffered_tasks", &self.buffered_tasks())
            .field("stats", &self.pending.stats)
            .finish()
    }
}

impl Default for Flattener {
    fn default() -> Self {
        Self::new()
    }
}

impl Flattener {
    pub fn new() -> Self {
        Flattener {
            arena: Bump::new(),
            scratch: json::Scratch::default(),
            pending: Pending {
                builders: task::Builders::new(),
                ids: HashSet::new(),
                ready: Vec::new(),
                stats: FlattenStats::default(),
            },
        }
    }

    pub fn stats(&self) -> &FlattenStats {
        &self.pending.stats
    }

    /// Tasks buffered and not yet taken, including segments closed by a repeated task id.
    pub fn buffered_tasks(&self) -> usize {
        self.pending.ids.len() + self.pending.ready.iter().map(|b| b.tasks).sum::<usize>()
    }

    /// Parses one record and appends its task(s). Returns what was rejected (usually nothing).
    pub fn push(&mut self, record: &Record) -> Vec<Rejected> {
        if let Some(why) = record.broken {
            return vec![reject(None, RecordError::Broken(why), &record.bytes)];
        }
        self.arena.reset();
        let value = match json::parse(&record.bytes, &self.arena, &mut self.scratch) {
            Ok(v) => v,
            Err(e) => {
                return vec![reject(
                    None,
                    RecordError::NotJson(e.to_string()),
                    &record.bytes,
                )];
            }
        };
        let pending = &mut self.pending;
        match record.kind {
            RecordKind::DocsItem => pending
                .push_doc(value, None, &self.arena)
                .into_iter()
                .collect(),
            RecordKind::Task => match envelope_items(value) {
                Some((items, kind, delivery)) => {
                    let delivery = delivery.unwrap_or_else(|| record.delivery.as_ref().clone());
                    let mut rejected = Vec::new();
                    for (i, item) in items.iter().enumerate() {
                        let r = match kind {
                            RecordKind::DocsItem => pending.push_doc(*item, Some(i), &self.arena),
                            RecordKind::Task => pending.push_task(*item, &delivery, Some(i)),
                        };
                        rejected.extend(r);
                    }
                    rejected
                }
                None => pending
                    .push_task(value, &record.delivery, None)
                    .into_iter()
                    .collect(),
            },
        }
    }

    /// Takes everything flattened so far, in input order. Each `Batches` holds a task id at most
    /// once; a later `Batches` may repeat an id of an earlier one, and then it wins.
    pub fn take(&mut self) -> Vec<Batches> {
        self.pending.close_segment();
        std::mem::take(&mut self.pending.ready)
    }

    /// Everything flattened so far merged into one `Batches` (for tests and small inputs: a task
    /// id pushed twice appears twice). `None` when nothing was flattened.
    pub fn flush(&mut self) -> Option<Batches> {
        let mut all = self.take();
        match all.len() {
            0 => None,
            1 => all.pop(),
            _ => {
                let tasks = all.iter().map(|b| b.tasks).sum();
                let batches = Table::ALL
                    .iter()
                    .filter_map(|t| {
                        let parts: Vec<_> = all.iter().filter_map(|b| b.get(*t)).cloned().collect();
                        (!parts.is_empty()).then(|| {
                            let merged = arrow::compute::concat_batches(&t.schema(), &parts)
                                .unwrap_or_else(|e| panic!("{t}: batches of one schema: {e}"));
                            (*t, merged)
                        })
                    })
                    .collect();
                Some(Batches { tasks, batches })
            }
        }
    }
}

impl Pending {
    fn push_doc(&mut self, doc: Node, element: Option<usize>, arena: &Bump) -> Option<Rejected> {
        let (task, delivery) = doc_to_task(doc, arena);
        self.push_task(task, &delivery, element)
    }

    fn push_task(
        &mut self,
        task: Node,
        delivery: &Delivery,
        element: Option<usize>,
    ) -> Option<Rejected> {
        let obj = match task::check(&task) {
            Ok(obj) => obj,
            Err(e) => return Some(reject(element, e, task.to_json().as_bytes())),
        };
        let id = obj
            .get("task_id")
            .and_then(Node::as_str)
            .unwrap_or_default();
        if self.ids.contains(id) {
            // The later occurrence wins; keep the two apart so the earlier can be dropped.
            self.close_segment();
        }
        self.ids.insert(id.to_owned());
        self.stats.tasks += 1;
        self.stats.extra_fields += task::flatten_task(&mut self.builders, obj, delivery);
        None
    }

    fn close_segment(&mut self) {
        if self.ids.is_empty() {
            return;
        }
        let tasks = self.ids.len();
        self.ids.clear();
        let batches = Table::ALL
            .iter()
            .zip(self.builders.0.iter_mut())
            .filter(|(_, b)| b.rows() > 0)
            .map(|(t, b)| (*t, b.finish()))
            .collect();
        self.ready.push(Batches { tasks, batches });
    }
}

fn reject(element: Option<usize>, error: RecordError, bytes: &[u8]) -> Rejected {
    Rejected {
        element,
        error,
        text: redact_text(String::from_utf8_lossy(bytes).trim_end()),
    }
}
