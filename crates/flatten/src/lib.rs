//! taskq-flatten: task JSON bytes → task records → Arrow batches, one per table.
//!
//! [`RecordReader`] splits a decompressed stream into records whatever the container (JSONL,
//! array, envelope); [`Flattener`] parses each record, redacts secrets, checks the record rules
//! and appends one task's rows to every table it touches. Nothing is ever dropped silently: a
//! record that breaks the rules comes back as a [`Rejected`] with its reason, and anything odd
//! inside an accepted task lands in that row's `extra_json`.
//!
//! ```
//! use taskq_flatten::{Flattener, RecordReader};
//!
//! let jsonl = br#"{"task_id":"t1","threads":[{"turns":[{"messages":[{"role":"assistant","annotations":[{"key":"overall","value":4}]}]}]}]}
//! {"task_id":"t2","created_at":5}
//! "#;
//! let mut f = Flattener::new();
//! let mut rejected = Vec::new();
//! for record in RecordReader::new(&jsonl[..]) {
//!     rejected.extend(f.push(&record.unwrap()));
//! }
//! assert_eq!(rejected.len(), 1); // t2: created_at is a number
//! let batches = f.flush().unwrap();
//! let annotations = batches.get(taskq_core::Table::Annotations).unwrap();
//! assert_eq!(annotations.num_rows(), 1);
//! ```

mod builder;
mod fields;
mod json;
mod reader;
mod task;

use std::collections::HashSet;

use arrow::record_batch::RecordBatch;
use bumpalo::Bump;
use taskq_core::{Table, redact_text};

use json::{Node, Obj};

pub use reader::{Record, RecordKind, RecordReader};

/// Why a record was not ingested.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("not valid JSON: {0}")]
    NotJson(String),
    #[error("{0}")]
    Broken(&'static str),
    #[error("a task must be a JSON object, found {found}")]
    NotObject { found: &'static str },
    #[error("field `task_id`: expected a string, found {found}")]
    NoTaskId { found: &'static str },
    #[error("field `{field}`: expected {expected}, found {found}")]
    BadField {
        field: &'static str,
        expected: &'static str,
        found: &'static str,
    },
}

/// A record that went to quarantine.
#[derive(Debug, Clone)]
pub struct Rejected {
    /// Position of the task inside an envelope held on one line; `None` for the record itself.
    pub element: Option<usize>,
    pub error: RecordError,
    /// The record's text, with secrets redacted.
    pub text: String,
}

/// The delivery a task came in, from its envelope or its `docs` item.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Delivery {
    pub id: Option<String>,
    pub name: Option<String>,
    /// Microseconds since the epoch, UTC.
    pub delivered_at: Option<i64>,
    pub response_schema_id: Option<String>,
}

impl Delivery {
    /// From the text of an envelope's `delivery` member: an id or an expanded delivery object.
    pub(crate) fn from_envelope(text: &[u8]) -> Delivery {
        let arena = Bump::new();
        json::parse(text, &arena, &mut json::Scratch::default())
            .map_or_else(|_| Delivery::default(), |v| Self::from_envelope_node(&v))
    }

    fn from_envelope_node(v: &Node) -> Delivery {
        match v {
            Node::Str(id) => Delivery {
                id: Some((*id).to_owned()),
                ..Delivery::default()
            },
            Node::Obj(o) => Delivery {
                id: o.get("id").and_then(Node::as_str).map(str::to_owned),
                name: o.get("name").and_then(Node::as_str).map(str::to_owned),
                delivered_at: o
                    .get("delivered_at")
                    .and_then(Node::as_str)
                    .and_then(fields::parse_timestamp),
                response_schema_id: None,
            },
            _ => Delivery::default(),
        }
    }
}

/// Flattened rows of whole tasks, one batch per table. Within one `Batches` a task id occurs at
/// most once.
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
    rows: Rows,
}

/// Everything but the arena, so a tree borrowed from the arena can be flattened into it.
struct Rows {
    builders: task::Builders,
    ids: HashSet<String>,
    ready: Vec<Batches>,
    stats: FlattenStats,
}

impl std::fmt::Debug for Flattener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Flattener")
            .field("buffered_tasks", &self.buffered_tasks())
            .field("stats", &self.rows.stats)
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
            rows: Rows {
                builders: task::Builders::new(),
                ids: HashSet::new(),
                ready: Vec::new(),
                stats: FlattenStats::default(),
            },
        }
    }

    pub fn stats(&self) -> &FlattenStats {
        &self.rows.stats
    }

    /// Tasks buffered and not yet taken, including generations closed by a repeated task id.
    pub fn buffered_tasks(&self) -> usize {
        self.rows.ids.len() + self.rows.ready.iter().map(|b| b.tasks).sum::<usize>()
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
        let rows = &mut self.rows;
        match record.kind {
            RecordKind::DocsItem => rows
                .push_doc(value, None, &self.arena)
                .into_iter()
                .collect(),
            RecordKind::Task => match envelope_items(value) {
                Some((items, kind, delivery)) => {
                    let delivery = delivery.unwrap_or_else(|| record.delivery.as_ref().clone());
                    let mut rejected = Vec::new();
                    for (i, item) in items.iter().enumerate() {
                        let r = match kind {
                            RecordKind::DocsItem => rows.push_doc(*item, Some(i), &self.arena),
                            RecordKind::Task => rows.push_task(*item, &delivery, Some(i)),
                        };
                        rejected.extend(r);
                    }
                    rejected
                }
                None => rows
                    .push_task(value, &record.delivery, None)
                    .into_iter()
                    .collect(),
            },
        }
    }

    /// Takes everything flattened so far, in input order. Each `Batches` holds a task id at most
    /// once; a later `Batches` may repeat an id of an earlier one, and then it wins.
    pub fn take(&mut self) -> Vec<Batches> {
        self.rows.close_generation();
        std::mem::take(&mut self.rows.ready)
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

impl Rows {
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
            self.close_generation();
        }
        self.ids.insert(id.to_owned());
        self.stats.tasks += 1;
        self.stats.extra_fields += task::flatten_task(&mut self.builders, obj, delivery);
        None
    }

    fn close_generation(&mut self) {
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

/// When `v` is an envelope (an object without `task_id` holding a `tasks` or `docs` array),
/// its items, with their kind and the envelope's delivery.
fn envelope_items<'a>(v: Node<'a>) -> Option<(&'a [Node<'a>], RecordKind, Option<Delivery>)> {
    let o = v.as_object()?;
    if o.contains_key("task_id") {
        return None;
    }
    let (items, kind) = match (o.get("tasks"), o.get("docs")) {
        (Some(Node::Arr(items)), _) => (*items, RecordKind::Task),
        (_, Some(Node::Arr(items))) => (*items, RecordKind::DocsItem),
        _ => return None,
    };
    let delivery = o.get("delivery").map(Delivery::from_envelope_node);
    Some((items, kind, delivery))
}

/// A `docs` item `{task_id, created_at, delivery_id, delivered_at, response_schema_id,
/// response: {threads, ...}}` as a task. Fields of `response` other than `threads` are kept as
/// `response.KEY` in the task's `extra_json`; delivery fields that are not strings stay in the
/// task, where they land in `extra_json` too.
fn doc_to_task<'a>(doc: Node<'a>, arena: &'a Bump) -> (Node<'a>, Delivery) {
    let Node::Obj(o) = doc else {
        return (doc, Delivery::default());
    };
    let mut delivery = Delivery::default();
    let mut members: Vec<(&'a str, Node<'a>)> = Vec::with_capacity(o.0.len() + 1);
    let mut moved: Vec<(&'a str, Node<'a>)> = Vec::new();
    for &(k, v) in o.iter() {
        match (k, v) {
            ("delivery_id", Node::Str(id)) => delivery.id = Some(id.to_owned()),
            ("response_schema_id", Node::Str(id)) => {
                delivery.response_schema_id = Some(id.to_owned())
            }
            ("delivered_at", Node::Str(at)) => match fields::parse_timestamp(at) {
                Some(t) => delivery.delivered_at = Some(t),
                None => members.push((k, v)),
            },
            ("delivery_id" | "response_schema_id" | "delivered_at" | "response", Node::Null) => {}
            ("response", Node::Obj(response)) => {
                for &(rk, rv) in response.iter() {
                    let key = if rk == "threads" {
                        "threads"
                    } else {
                        arena.alloc_str(&format!("response.{rk}"))
                    };
                    moved.push((key, rv));
                }
            }
            _ => members.push((k, v)),
        }
    }
    // Moved members replace a task member of the same name in place, as a map insert would.
    moved.sort_by_key(|(k, _)| *k != "threads");
    for (k, v) in moved {
        match members.iter_mut().find(|(mk, _)| *mk == k) {
            Some(slot) => slot.1 = v,
            None => members.push((k, v)),
        }
    }
    (Node::Obj(Obj(arena.alloc_slice_copy(&members))), delivery)
}
