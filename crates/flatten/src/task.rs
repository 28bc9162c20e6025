//! One checked task's JSON → rows in every table.
//!
//! Each entity reads its typed fields first (whatever does not fit goes to its `extra_json`),
//! then walks its children in the API's field order, then writes its own row. `annotation_seq`
//! therefore follows document order: a message's content parts, then its annotations, then its
//! rubric evaluations; a turn's messages, then its annotations, then its rubrics; a thread's
//! turns, then its annotations.

use base64::Engine;
use taskq_core::{
    Table, annotation_values as av, annotations as an, attachments as at, chunks as ch,
    criterion_evaluations as ce, messages as me, reasoning as re, reference_texts as rt,
    rubric_criteria as rc, rubric_evaluations as ree, rubrics as ru,
    sensitive_content_reports as sr, submissions as su, task_errors as te, tasks as ta,
    threads as th, turns as tu,
};

use crate::builder::TableBuilder;
use crate::fields::{Extra, value_text};
use crate::json::{Node, Obj};
use crate::{Delivery, RecordError};

/// Builders for every table, indexed by `Table as usize`.
pub(crate) struct Builders(pub(crate) Vec<TableBuilder>);

impl Builders {
    pub(crate) fn new() -> Self {
        Builders(Table::ALL.iter().map(|t| TableBuilder::new(*t)).collect())
    }

    fn get(&mut self, t: Table) -> &mut TableBuilder {
        &mut self.0[t as usize]
    }
}

/// Checks the record rules that send a whole task to quarantine. Nothing is written before this
/// passes, so a rejected task leaves no rows behind.
pub(crate) fn check<'a>(task: &Node<'a>) -> Result<Obj<'a>, RecordError> {
    let Node::Obj(obj) = *task else {
        return Err(RecordError::NotObject { found: task.kind() });
    };
    match obj.get("task_id") {
        Some(Node::Str(_)) => {}
        other => {
            return Err(RecordError::NoTaskId {
                found: other.map_or("nothing", Node::kind),
            });
        }
    }
    for field in ["created_at", "completed_at"] {
        if let Some(v) = obj.get(field).filter(|v| !v.is_null() && !v.is_string()) {
            return Err(RecordError::BadField {
                field,
                expected: "a string or null",
                found: v.kind(),
            });
        }
    }
    for field in ["threads", "errors", "sensitive_content_reports"] {
        if let Some(v) = obj.get(field).filter(|v| !v.is_null() && !v.is_array()) {
            return Err(RecordError::BadField {
                field,
                expected: "an array or null",
                found: v.kind(),
            });
        }
    }
    Ok(obj)
}

const TASK_KEYS: &[&str] = &[
    "task_id",
    "project",
    "batch",
    "status",
    "created_at",
    "completed_at",
    "metadata",
    "threads",
    "errors",
    "sensitive_content_reports",
];
const ANNOTATION_KEYS: &[&str] = &[
    "id",
    "key",
    "type",
    "title",
    "description",
    "labels",
    "possible_values",
    "not_applicable",
    "cannot_assess",
    "justification",
    "metadata",
    "value",
];
const MODEL_PARAMETER_KEYS: &[&str] = &[
    "model",
    "temperature",
    "max_completion_tokens",
    "top_p",
    "top_k",
];
const CONTENT_KEYS: &[&str] = &[
    "text",
    "reference_texts",
    "attachments",
    "chunks",
    "reasoning",
];
const ATTACHMENT_KEYS: &[&str] = &[
    "content",
    "mime_type",
    "scale_url",
    "url",
    "name",
    "file_size_in_bytes",
    "duration",
    "transcript",
    "transcript_url",
    "transcript_start",
    "transcript_end",
];

/// The owning message's columns, repeated on the annotations it owns.
#[derive(Default)]
struct MessageContext<'v> {
    role: Option<&'v str>,
    source_id: Option<&'v str>,
    model: Option<&'v str>,
    temperature: Option<f64>,
    max_completion_tokens: Option<i64>,
    top_p: Option<f64>,
    top_k: Option<i64>,
}

/// Where an annotation sits.
#[derive(Clone, Copy)]
struct Owner<'c, 'v> {
    scope: &'static str,
    thread: i32,
    turn: Option<i32>,
    message: Option<&'c MessageContext<'v>>,
    message_idx: Option<i32>,
    chunk: Option<i32>,
    rubric: Option<i32>,
    criterion: Option<i32>,
    evaluation: Option<i32>,
}

impl<'c, 'v> Owner<'c, 'v> {
    fn thread(thread: i32) -> Self {
        Owner {
            scope: "thread",
            thread,
            turn: None,
            message: None,
            message_idx: None,
            chunk: None,
            rubric: None,
            criterion: None,
            evaluation: None,
        }
    }
}

/// The elements of `list` that are objects, with their source positions; the others are kept in
/// `extra` as `key[i]`.
fn objects<'v>(
    list: Option<&'v [Node<'v>]>,
    key: &str,
    extra: &mut Extra<'v>,
) -> Vec<(i32, Obj<'v>)> {
    let list = list.unwrap_or_default();
    let mut out = Vec::with_capacity(list.len());
    for (i, el) in list.iter().enumerate() {
        match el {
            Node::Obj(o) => out.push((i as i32, *o)),
            other => extra.put(format!("{key}[{i}]"), *other),
        }
    }
    out
}

fn len(list: Option<&[Node]>) -> Option<i32> {
    list.map(|a| a.len() as i32)
}

struct Walk<'a> {
    b: &'a mut Builders,
    task_id: &'a str,
    project_id: Option<&'a str>,
    batch_id: Option<&'a str>,
    seq: i32,
    kept: u64,
    /// Room for the annotations' JSON texts (`value_json`, `possible_values`, `metadata`), kept
    /// across the task's rows: a `String` for each took an allocation and a free per value.
    json: String,
}

/// `v`'s compact JSON text, written into `buf` in place of what it held.
fn json_text<'b>(buf: &'b mut String, v: &Node) -> &'b str {
    buf.clear();
    v.write_json(buf);
    buf
}

/// Appends the rows of one checked task. Never fails: every oddity inside a task is kept in an
/// `extra_json` rather than rejected. Returns the number of `extra_json` keys written.
pub(crate) fn flatten_task(b: &mut Builders, obj: Obj<'_>, delivery: &Delivery) -> u64 {
    let task_id = obj
        .get("task_id")
        .and_then(Node::as_str)
        .unwrap_or_default();
    let mut extra = Extra::of(obj, TASK_KEYS);
    let (project_id, project_name, project_json) = expandable(&mut extra, obj, "project");
    let (batch_id, batch_name, batch_json) = expandable(&mut extra, obj, "batch");
    let status = extra.str(obj, "status", "");
    let created_at = extra.ts(obj, "created_at", "");
    let completed_at = extra.ts(obj, "completed_at", "");
    let threads = extra.array(obj, "threads", "");
    let errors = extra.array(obj, "errors", "");
    let reports = extra.array(obj, "sensitive_content_reports", "");
    let metadata = obj
        .get("metadata")
        .filter(|v| !v.is_null())
        .map(|v| v.to_json());

    let mut walk = Walk {
        b,
        task_id,
        project_id,
        batch_id,
        seq: 0,
        kept: 0,
        json: String::new(),
    };
    for (i, t) in objects(threads, "threads", &mut extra) {
        walk.thread(i, t);
    }
    walk.entries(Table::TaskErrors, objects(errors, "errors", &mut extra));
    walk.entries(
        Table::SensitiveContentReports,
        objects(reports, "sensitive_content_reports", &mut extra),
    );
    let Walk { seq, mut kept, .. } = walk;

    let t = b.get(Table::Tasks);
    t.str(ta::Col::task_id, Some(task_id));
    t.str(ta::Col::project_id, project_id);
    t.str(ta::Col::project_name, project_name);
    t.str(ta::Col::project_json, project_json.as_deref());
    t.str(ta::Col::batch_id, batch_id);
    t.str(ta::Col::batch_name, batch_name);
    t.str(ta::Col::batch_json, batch_json.as_deref());
    t.str(ta::Col::status, status);
    t.ts(ta::Col::created_at, created_at);
    t.ts(ta::Col::completed_at, completed_at);
    t.str(ta::Col::metadata, metadata.as_deref());
    t.str(ta::Col::delivery_id, delivery.id.as_deref());
    t.str(ta::Col::delivery_name, delivery.name.as_deref());
    t.ts(ta::Col::delivered_at, delivery.delivered_at);
    t.str(
        ta::Col::response_schema_id,
        delivery.response_schema_id.as_deref(),
    );
    t.i32(ta::Col::thread_count, len(threads));
    t.i32(ta::Col::error_count, len(errors));
    t.i32(ta::Col::report_count, len(reports));
    t.i32(ta::Col::annotation_count, Some(seq));
    t.str(ta::Col::extra_json, extra.into_json(&mut kept).as_deref());
    t.end_row();
    kept
}

/// `project` / `batch`: an id string or an expanded object. Returns (id, name, object JSON).
fn expandable<'v>(
    extra: &mut Extra<'v>,
    obj: Obj<'v>,
    key: &str,
) -> (Option<&'v str>, Option<&'v str>, Option<String>) {
    match obj.get(key) {
        Some(Node::Str(id)) => (Some(id), None, None),
        Some(v @ Node::Obj(o)) => (
            o.get("id").and_then(Node::as_str),
            o.get("name").and_then(Node::as_str),
            Some(v.to_json()),
        ),
        None | Some(Node::Null) => (None, None, None),
        Some(other) => {
            extra.put(key.to_owned(), *other);
            (None, None, None)
        }
    }
}

impl Walk<'_> {
    /// Task-level lists of `{type, message}` entries: errors and sensitive-content reports.
    fn entries(&mut self, table: Table, list: Vec<(i32, Obj<'_>)>) {
        // Both tables share one layout: task_id, idx, type, message, extra_json.
        debug_assert_eq!(te::COLUMNS.len(), sr::COLUMNS.len());
        for (i, o) in list {
            let mut extra = Extra::of(o, &["type", "message"]);
            let ty = extra.str(o, "type", "");
            let msg = extra.str(o, "message", "");
            let extra = extra.into_json(&mut self.kept);
            let t = self.b.get(table);
            t.str(te::Col::task_id, Some(self.task_id));
            t.i32(te::Col::error_idx, Some(i));
            t.str(te::Col::r#type, ty);
            t.str(te::Col::message, msg);
            t.str(te::Col::extra_json, extra.as_deref());
            t.end_row();
        }
    }

    fn thread(&mut self, ti: i32, o: Obj<'_>) {
        let mut extra = Extra::of(o, &["id", "turns", "annotations", "submissions"]);
        let id = extra.str(o, "id", "");
        let turns = extra.array(o, "turns", "");
        let annotations = extra.array(o, "annotations", "");
        let submissions = extra.array(o, "submissions", "");

        for (ui, t) in objects(turns, "turns", &mut extra) {
            self.turn(ti, ui, t);
        }
        self.annotations(Owner::thread(ti), annotations, &mut extra);
        for (si, s) in objects(submissions, "submissions", &mut extra) {
            let mut sx = Extra::of(s, &["contributor_id", "submitted_at"]);
            let contributor = sx.str(s, "contributor_id", "");
            let submitted_at = sx.ts(s, "submitted_at", "");
            let sx = sx.into_json(&mut self.kept);
            let t = self.b.get(Table::Submissions);
            t.str(su::Col::task_id, Some(self.task_id));
            t.i32(su::Col::thread_idx, Some(ti));
            t.i32(su::Col::submission_idx, Some(si));
            t.str(su::Col::contributor_id, contributor);
            t.ts(su::Col::submitted_at, submitted_at);
            t.str(su::Col::extra_json, sx.as_deref());
            t.end_row();
        }

        let extra = extra.into_json(&mut self.kept);
        let t = self.b.get(Table::Threads);
        t.str(th::Col::task_id, Some(self.task_id));
        t.i32(th::Col::thread_idx, Some(ti));
        t.str(th::Col::thread_id, id);
        t.i32(th::Col::turn_count, len(turns));
        t.i32(th::Col::submission_count, len(submissions));
        t.str(th::Col::extra_json, extra.as_deref());
        t.end_row();
    }

    fn turn(&mut self, ti: i32, ui: i32, o: Obj<'_>) {
        let mut extra = Extra::of(o, &["id", "messages", "annotations", "rubrics"]);
        let id = extra.str(o, "id", "");
        let messages = extra.array(o, "messages", "");
        let annotations = extra.array(o, "annotations", "");
        let rubrics = extra.array(o, "rubrics", "");

        for (mi, m) in objects(messages, "messages", &mut extra) {
            self.message(ti, ui, mi, m);
        }
        let owner = Owner {
            scope: "turn",
            turn: Some(ui),
            ..Owner::thread(ti)
        };
        self.annotations(owner, annotations, &mut extra);
        for (ri, r) in objects(rubrics, "rubrics", &mut extra) {
            self.rubric(ti, ui, ri, r);
        }

        let extra = extra.into_json(&mut self.kept);
        let t = self.b.get(Table::Turns);
        t.str(tu::Col::task_id, Some(self.task_id));
        t.i32(tu::Col::thread_idx, Some(ti));
        t.i32(tu::Col::turn_idx, Some(ui));
        t.str(tu::Col::turn_id, id);
        t.i32(tu::Col::message_count, len(messages));
        t.i32(tu::Col::rubric_count, len(rubrics));
        t.str(tu::Col::extra_json, extra.as_deref());
        t.end_row();
    }

    fn rubric(&mut self, ti: i32, ui: i32, ri: i32, o: Obj<'_>) {
        let mut extra = Extra::of(o, &["criteria_definitions", "max_total_score"]);
        let max = extra.f64(o, "max_total_score", "");
        let criteria = extra.array(o, "criteria_definitions", "");
        for (ci, c) in objects(criteria, "criteria_definitions", &mut extra) {
            let mut cx = Extra::of(c, &["id", "criterion", "weight", "annotations"]);
            let cid = cx.str(c, "id", "");
            let text = cx.str(c, "criterion", "");
            let weight = cx.f64(c, "weight", "");
            let annotations = cx.array(c, "annotations", "");
            let owner = Owner {
                scope: "criterion",
                turn: Some(ui),
                rubric: Some(ri),
                criterion: Some(ci),
                ..Owner::thread(ti)
            };
            self.annotations(owner, annotations, &mut cx);
            let cx = cx.into_json(&mut self.kept);
            let t = self.b.get(Table::RubricCriteria);
            t.str(rc::Col::task_id, Some(self.task_id));
            t.i32(rc::Col::thread_idx, Some(ti));
            t.i32(rc::Col::turn_idx, Some(ui));
            t.i32(rc::Col::rubric_idx, Some(ri));
            t.i32(rc::Col::criterion_idx, Some(ci));
            t.str(rc::Col::criterion_id, cid);
            t.str(rc::Col::criterion, text);
            t.f64(rc::Col::weight, weight);
            t.f64(rc::Col::max_total_score, max);
            t.str(rc::Col::extra_json, cx.as_deref());
            t.end_row();
        }
        let extra = extra.into_json(&mut self.kept);
        let t = self.b.get(Table::Rubrics);
        t.str(ru::Col::task_id, Some(self.task_id));
        t.i32(ru::Col::thread_idx, Some(ti));
        t.i32(ru::Col::turn_idx, Some(ui));
        t.i32(ru::Col::rubric_idx, Some(ri));
        t.f64(ru::Col::max_total_score, max);
        t.i32(ru::Col::criterion_count, len(criteria));
        t.str(ru::Col::extra_json, extra.as_deref());
        t.end_row();
    }

    fn message(&mut self, ti: i32, ui: i32, mi: i32, o: Obj<'_>) {
        let mut extra = Extra::of(
            o,
            &[
                "role",
                "content",
                "source_id",
                "model_parameters",
                "annotations",
                "rubric_evaluations",
            ],
        );
        let mut ctx = MessageContext {
            role: extra.str(o, "role", ""),
            source_id: extra.str(o, "source_id", ""),
            ..MessageContext::default()
        };
        if let Some(mp) = extra.object(o, "model_parameters", "") {
            let p = "model_parameters.";
            extra.unknown_keys(mp, MODEL_PARAMETER_KEYS, p);
            ctx.model = extra.str(mp, "model", p);
            ctx.temperature = extra.f64(mp, "temperature", p);
            ctx.max_completion_tokens = extra.i64(mp, "max_completion_tokens", p);
            ctx.top_p = extra.f64(mp, "top_p", p);
            ctx.top_k = extra.i64(mp, "top_k", p);
        }
        let annotations = extra.array(o, "annotations", "");
        let evaluations = extra.array(o, "rubric_evaluations", "");
        let mut text = None;
        let at_message = Owner {
            scope: "message",
            turn: Some(ui),
            message: Some(&ctx),
            message_idx: Some(mi),
            ..Owner::thread(ti)
        };

        if let Some(content) = extra.object(o, "content", "") {
            let p = "content.";
            extra.unknown_keys(content, CONTENT_KEYS, p);
            text = extra.str(content, "text", p);
            let refs = extra.array(content, "reference_texts", p);
            for (i, r) in objects(refs, "content.reference_texts", &mut extra) {
                self.reference_text(at_message, i, r);
            }
            let attachments = extra.array(content, "attachments", p);
            for (i, a) in objects(attachments, "content.attachments", &mut extra) {
                self.attachment(at_message, i, a);
            }
            let chunks = extra.array(content, "chunks", p);
            for (i, c) in objects(chunks, "content.chunks", &mut extra) {
                self.chunk(at_message, i, c);
            }
            let reasoning = extra.array(content, "reasoning", p);
            for (i, r) in objects(reasoning, "content.reasoning", &mut extra) {
                self.reasoning(at_message, i, r);
            }
        }
        self.annotations(at_message, annotations, &mut extra);
        for (ei, e) in objects(evaluations, "rubric_evaluations", &mut extra) {
            self.rubric_evaluation(at_message, ei, e);
        }

        let extra = extra.into_json(&mut self.kept);
        let t = self.b.get(Table::Messages);
        t.str(me::Col::task_id, Some(self.task_id));
        t.i32(me::Col::thread_idx, Some(ti));
        t.i32(me::Col::turn_idx, Some(ui));
        t.i32(me::Col::message_idx, Some(mi));
        t.str(me::Col::role, ctx.role);
        t.str(me::Col::source_id, ctx.source_id);
        t.str(me::Col::model, ctx.model);
        t.f64(me::Col::temperature, ctx.temperature);
        t.i64(me::Col::max_completion_tokens, ctx.max_completion_tokens);
        t.f64(me::Col::top_p, ctx.top_p);
        t.i64(me::Col::top_k, ctx.top_k);
        t.str(me::Col::text, text);
        t.i64(me::Col::text_length, text.map(|s| s.chars().count() as i64));
        t.i32(me::Col::annotation_count, len(annotations));
        t.str(me::Col::extra_json, extra.as_deref());
        t.end_row();
    }

    /// Starts a row of a message-part table with its parent keys.
    fn part_row(&mut self, table: Table, owner: Owner, idx: i32) -> &mut TableBuilder {
        let task_id = self.task_id;
        let t = self.b.get(table);
        // Every message-part table starts: task_id, thread_idx, turn_idx, message_idx, idx.
        t.str(0usize, Some(task_id));
        t.i32(1usize, Some(owner.thread));
        t.i32(2usize, owner.turn);
        t.i32(3usize, owner.message_idx);
        t.i32(4usize, Some(idx));
        t
    }

    fn reference_text(&mut self, owner: Owner, i: i32, o: Obj<'_>) {
        let mut x = Extra::of(o, &["content", "category", "url"]);
        let (content, category, url) = (
            x.str(o, "content", ""),
            x.str(o, "category", ""),
            x.str(o, "url", ""),
        );
        let x = x.into_json(&mut self.kept);
        let t = self.part_row(Table::ReferenceTexts, owner, i);
        t.str(rt::Col::content, content);
        t.str(rt::Col::category, category);
        t.str(rt::Col::url, url);
        t.str(rt::Col::extra_json, x.as_deref());
        t.end_row();
    }

    fn attachment(&mut self, owner: Owner, i: i32, o: Obj<'_>) {
        let mut x = Extra::of(o, ATTACHMENT_KEYS);
        let content = x.str(o, "content", "");
        let decoded = content.and_then(|c| {
            let d = base64::engine::general_purpose::STANDARD
                .decode(c.trim())
                .ok();
            if d.is_none() {
                x.put("content".into(), Node::Str(c));
            }
            d
        });
        let name = x.str(o, "name", "");
        let mime = x.str(o, "mime_type", "");
        let url = x.str(o, "url", "");
        let scale_url = x.str(o, "scale_url", "");
        let size = x.i64(o, "file_size_in_bytes", "");
        let duration = x.f64(o, "duration", "");
        let transcript = x.str(o, "transcript", "");
        let transcript_url = x.str(o, "transcript_url", "");
        let start = x.f64(o, "transcript_start", "");
        let end = x.f64(o, "transcript_end", "");
        let x = x.into_json(&mut self.kept);
        let t = self.part_row(Table::Attachments, owner, i);
        t.str(at::Col::name, name);
        t.str(at::Col::mime_type, mime);
        t.str(at::Col::url, url);
        t.str(at::Col::scale_url, scale_url);
        t.i64(at::Col::file_size_in_bytes, size);
        t.f64(at::Col::duration, duration);
        t.str(at::Col::transcript, transcript);
        t.str(at::Col::transcript_url, transcript_url);
        t.f64(at::Col::transcript_start, start);
        t.f64(at::Col::transcript_end, end);
        t.bin(at::Col::content, decoded.as_deref());
        t.i64(
            at::Col::content_size,
            decoded.as_ref().map(|d| d.len() as i64),
        );
        t.str(at::Col::extra_json, x.as_deref());
        t.end_row();
    }

    fn chunk(&mut self, owner: Owner, i: i32, o: Obj<'_>) {
        let mut x = Extra::of(o, &["type", "text", "annotations"]);
        let ty = x.str(o, "type", "");
        let text = x.str(o, "text", "");
        let annotations = x.array(o, "annotations", "");
        let at_chunk = Owner {
            scope: "chunk",
            chunk: Some(i),
            ..owner
        };
        self.annotations(at_chunk, annotations, &mut x);
        let x = x.into_json(&mut self.kept);
        let t = self.part_row(Table::Chunks, owner, i);
        t.str(ch::Col::r#type, ty);
        t.str(ch::Col::text, text);
        t.i32(ch::Col::annotation_count, len(annotations));
        t.str(ch::Col::extra_json, x.as_deref());
        t.end_row();
    }

    fn reasoning(&mut self, owner: Owner, i: i32, o: Obj<'_>) {
        let mut x = Extra::of(o, &["content"]);
        let content = x.str(o, "content", "");
        let x = x.into_json(&mut self.kept);
        let t = self.part_row(Table::Reasoning, owner, i);
        t.str(re::Col::content, content);
        t.str(re::Col::extra_json, x.as_deref());
        t.end_row();
    }

    fn rubric_evaluation(&mut self, owner: Owner, ei: i32, o: Obj<'_>) {
        let mut x = Extra::of(
            o,
            &[
                "criteria_evaluations",
                "annotations",
                "total_score",
                "percentage",
            ],
        );
        let total = x.f64(o, "total_score", "");
        let percentage = x.f64(o, "percentage", "");
        let criteria = x.array(o, "criteria_evaluations", "");
        let annotations = x.array(o, "annotations", "");
        for (ci, c) in objects(criteria, "criteria_evaluations", &mut x) {
            let mut cx = Extra::of(c, &["criterion_definition_id", "score", "annotations"]);
            let def = cx.str(c, "criterion_definition_id", "");
            let score = cx.f64(c, "score", "");
            let ann = cx.array(c, "annotations", "");
            let at_criterion = Owner {
                scope: "criterion_evaluation",
                evaluation: Some(ei),
                criterion: Some(ci),
                ..owner
            };
            self.annotations(at_criterion, ann, &mut cx);
            let cx = cx.into_json(&mut self.kept);
            let t = self.part_row(Table::CriterionEvaluations, owner, ei);
            t.i32(ce::Col::criterion_idx, Some(ci));
            t.str(ce::Col::criterion_definition_id, def);
            t.f64(ce::Col::score, score);
            t.str(ce::Col::extra_json, cx.as_deref());
            t.end_row();
        }
        let at_evaluation = Owner {
            scope: "rubric_evaluation",
            evaluation: Some(ei),
            ..owner
        };
        self.annotations(at_evaluation, annotations, &mut x);
        let x = x.into_json(&mut self.kept);
        let t = self.part_row(Table::RubricEvaluations, owner, ei);
        t.f64(ree::Col::total_score, total);
        t.f64(ree::Col::percentage, percentage);
        t.i32(ree::Col::criterion_count, len(criteria));
        t.str(ree::Col::extra_json, x.as_deref());
        t.end_row();
    }

    fn annotations<'v>(
        &mut self,
        owner: Owner,
        list: Option<&'v [Node<'v>]>,
        owner_extra: &mut Extra<'v>,
    ) {
        for (ai, a) in objects(list, "annotations", owner_extra) {
            self.annotation(owner, ai, a);
        }
    }

    fn annotation(&mut self, owner: Owner, ai: i32, o: Obj<'_>) {
        let seq = self.seq;
        self.seq += 1;
        let mut x = Extra::of(o, ANNOTATION_KEYS);
        let id = x.str(o, "id", "");
        let ty = x.str(o, "type", "");
        let key = x.str(o, "key", "");
        let title = x.str(o, "title", "");
        let description = x.str(o, "description", "");
        let justification = x.str(o, "justification", "");
        let not_applicable = x.bool(o, "not_applicable", "");
        let cannot_assess = x.bool(o, "cannot_assess", "");
        let labels: Option<Vec<&str>> = match o.get("labels") {
            None | Some(Node::Null) => None,
            Some(Node::Arr(a)) if a.iter().all(Node::is_string) => {
                Some(a.iter().filter_map(Node::as_str).collect())
            }
            Some(other) => {
                x.put("labels".into(), *other);
                None
            }
        };
        let possible_values = o.get("possible_values").filter(|v| !v.is_null());
        let metadata = o.get("metadata").filter(|v| !v.is_null());
        let criteria_id = match metadata
            .and_then(Node::as_object)
            .and_then(|m| m.get("criteria"))
        {
            Some(Node::Str(s)) => Some(*s),
            Some(Node::Obj(c)) => c.get("id").and_then(Node::as_str),
            _ => None,
        };
        let value = o.get("value");
        let x = x.into_json(&mut self.kept);
        let msg = owner.message.unwrap_or(&NO_MESSAGE);

        let t = self.b.get(Table::Annotations);
        t.str(an::Col::task_id, Some(self.task_id));
        t.i32(an::Col::annotation_seq, Some(seq));
        t.str(an::Col::project_id, self.project_id);
        t.str(an::Col::batch_id, self.batch_id);
        t.str(an::Col::scope, Some(owner.scope));
        t.i32(an::Col::thread_idx, Some(owner.thread));
        t.i32(an::Col::turn_idx, owner.turn);
        t.i32(an::Col::message_idx, owner.message_idx);
        t.i32(an::Col::chunk_idx, owner.chunk);
        t.i32(an::Col::rubric_idx, owner.rubric);
        t.i32(an::Col::criterion_idx, owner.criterion);
        t.i32(an::Col::evaluation_idx, owner.evaluation);
        t.i32(an::Col::annotation_idx, Some(ai));
        t.str(an::Col::role, msg.role);
        t.str(an::Col::source_id, msg.source_id);
        t.str(an::Col::model, msg.model);
        t.f64(an::Col::temperature, msg.temperature);
        t.i64(an::Col::max_completion_tokens, msg.max_completion_tokens);
        t.f64(an::Col::top_p, msg.top_p);
        t.i64(an::Col::top_k, msg.top_k);
        t.str(an::Col::annotation_id, id);
        t.str(an::Col::r#type, ty);
        t.str(an::Col::key, key);
        t.str(an::Col::title, title);
        t.str(an::Col::description, description);
        if let Some(v) = value {
            let json = json_text(&mut self.json, v);
            // A string groups as itself; a number, boolean, list or object as its JSON text,
            // serialised once for both columns (as `value_text` spells it).
            let text = match v {
                Node::Str(s) => Some(*s),
                Node::Null => None,
                _ => Some(json),
            };
            t.str(an::Col::value, text);
            t.str(an::Col::value_type, Some(v.kind()));
            t.f64(an::Col::value_num, v.as_f64());
            t.bool(an::Col::value_bool, v.as_bool());
            t.str(an::Col::value_json, Some(json));
        }
        t.list(an::Col::labels, labels.as_deref());
        t.str(
            an::Col::possible_values,
            possible_values.map(|v| json_text(&mut self.json, v)),
        );
        t.bool(an::Col::not_applicable, not_applicable);
        t.bool(an::Col::cannot_assess, cannot_assess);
        t.str(an::Col::justification, justification);
        t.str(
            an::Col::metadata,
            metadata.map(|v| json_text(&mut self.json, v)),
        );
        t.str(an::Col::criteria_id, criteria_id);
        t.str(an::Col::extra_json, x.as_deref());
        t.end_row();

        if let Some(Node::Arr(elements)) = value {
            self.annotation_values(seq, key, ty, elements);
        }
    }

    /// One row per element; a list of lists (ranked groups) gives one row per inner element.
    fn annotation_values(
        &mut self,
        seq: i32,
        key: Option<&str>,
        ty: Option<&str>,
        elements: &[Node],
    ) {
        let task_id = self.task_id;
        let t = self.b.get(Table::AnnotationValues);
        let mut row = |position: usize, group: Option<usize>, el: &Node| {
            t.str(av::Col::task_id, Some(task_id));
            t.i32(av::Col::annotation_seq, Some(seq));
            t.str(av::Col::key, key);
            t.str(av::Col::r#type, ty);
            t.i32(av::Col::position, Some(position as i32));
            t.i32(av::Col::group_idx, group.map(|g| g as i32));
            t.str(av::Col::value, value_text(el).as_deref());
            if let Node::Obj(o) = el {
                t.str(av::Col::label, o.get("label").and_then(Node::as_str));
                t.str(av::Col::text, o.get("text").and_then(Node::as_str));
            }
            t.end_row();
        };
        for (i, el) in elements.iter().enumerate() {
            match el {
                Node::Arr(group) => {
                    for (j, inner) in group.iter().enumerate() {
                        row(j, Some(i), inner);
                    }
                }
                other => row(i, None, other),
            }
        }
    }
}

static NO_MESSAGE: MessageContext<'static> = MessageContext {
    role: None,
    source_id: None,
    model: None,
    temperature: None,
    max_completion_tokens: None,
    top_p: None,
    top_k: None,
};
