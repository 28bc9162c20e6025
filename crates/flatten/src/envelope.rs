//! The API's envelopes: `{"tasks": [...]}` pages, `{"docs": [...]}` delivery items, and the
//! delivery they carry.

use bumpalo::Bump;

use crate::fields;
use crate::json::{self, Node, Obj};
use crate::reader::RecordKind;

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

/// When `v` is an envelope (an object without `task_id` holding a `tasks` or `docs` array),
/// its items, with their kind and the envelope's delivery.
pub(crate) fn envelope_items<'a>(
    v: Node<'a>,
) -> Option<(&'a [Node<'a>], RecordKind, Option<Delivery>)> {
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
pub(crate) fn doc_to_task<'a>(doc: Node<'a>, arena: &'a Bump) -> (Node<'a>, Delivery) {
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
