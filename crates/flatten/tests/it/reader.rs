//! Container detection and record framing: every input form gives the same tasks, and broken
//! records are reported where they are without losing their neighbours.

use taskq_core::Table;
use taskq_flatten::{Flattener, RecordError, RecordReader};

struct Outcome {
    task_ids: Vec<String>,
    /// (line, reason) of each rejected record.
    rejected: Vec<(u64, String)>,
    records: u64,
    delivery_ids: Vec<Option<String>>,
}

fn read(input: &str) -> Outcome {
    let mut f = Flattener::new();
    let mut rejected = Vec::new();
    let mut reader = RecordReader::new(input.as_bytes());
    for rec in reader.by_ref() {
        let rec = rec.unwrap();
        for r in f.push(&rec) {
            rejected.push((rec.line, r.error.to_string()));
        }
    }
    let records = reader.records();
    let (task_ids, delivery_ids) = match f.flush() {
        None => (Vec::new(), Vec::new()),
        Some(b) => {
            let tasks = b.get(Table::Tasks).unwrap();
            let ids = tasks
                .column(0)
                .as_any()
                .downcast_ref::<arrow::array::StringArray>()
                .unwrap();
            let idx = tasks.schema().index_of("delivery_id").unwrap();
            let del = tasks
                .column(idx)
                .as_any()
                .downcast_ref::<arrow::array::StringArray>()
                .unwrap();
            (
                ids.iter().map(|s| s.unwrap().to_owned()).collect(),
                del.iter().map(|s| s.map(str::to_owned)).collect(),
            )
        }
    };
    Outcome {
        task_ids,
        rejected,
        records,
        delivery_ids,
    }
}

const A: &str = r#"{"task_id":"a","threads":[]}"#;
const B: &str = r#"{"task_id":"b","created_at":"2025-01-01T00:00:00Z"}"#;

#[test]
fn jsonl() {
    let o = read(&format!("{A}\n{B}\n"));
    assert_eq!(o.task_ids, ["a", "b"]);
    assert!(o.rejected.is_empty());
}

#[test]
fn jsonl_with_crlf_blank_lines_and_no_final_newline() {
    let o = read(&format!("{A}\r\n\r\n{B}"));
    assert_eq!(o.task_ids, ["a", "b"]);
}

#[test]
fn json_array_one_line_and_pretty() {
    assert_eq!(read(&format!("[{A},{B}]")).task_ids, ["a", "b"]);
    assert_eq!(read(&format!("[\n  {A},\n  {B}\n]\n")).task_ids, ["a", "b"]);
    assert_eq!(read("[]").task_ids, Vec::<String>::new());
}

#[test]
fn single_pretty_object() {
    let o = read("{\n  \"task_id\": \"a\",\n  \"threads\": []\n}\n");
    assert_eq!(o.task_ids, ["a"]);
}

#[test]
fn concatenated_pretty_objects() {
    let o = read("{\n \"task_id\": \"a\"\n}\n{\n \"task_id\": \"b\"\n}\n");
    assert_eq!(o.task_ids, ["a", "b"]);
}

#[test]
fn tasks_envelope_streams_with_its_delivery() {
    let o = read(&format!(
        r#"{{"delivery": {{"id": "del_1", "name": "weekly", "delivered_at": "2025-06-13T18:00:00Z"}}, "tasks": [{A}, {B}], "next_token": "tok"}}"#
    ));
    assert_eq!(o.task_ids, ["a", "b"]);
    assert_eq!(o.delivery_ids, [Some("del_1".into()), Some("del_1".into())]);
    let page = read(&format!(
        "{{\n\"tasks\": [\n{A}\n],\n\"next_token\": null\n}}"
    ));
    assert_eq!(page.task_ids, ["a"]);
}

#[test]
fn docs_envelope_takes_threads_from_the_response() {
    let doc = r#"{"docs": [
        {"task_id": "d1", "delivery_id": "del_9", "delivered_at": "2025-06-13T18:00:00Z", "response_schema_id": "s1",
         "response": {"threads": [{"id": "thread_0", "turns": []}], "notes": "x"}},
        {"task_id": "d2", "delivery_id": null, "delivered_at": null, "response": null}
    ], "total": 2}"#;
    let o = read(doc);
    assert_eq!(o.task_ids, ["d1", "d2"]);
    assert_eq!(o.delivery_ids, [Some("del_9".into()), None]);
    let mut f = Flattener::new();
    for rec in RecordReader::new(doc.as_bytes()) {
        assert!(f.push(&rec.unwrap()).is_empty());
    }
    let b = f.flush().unwrap();
    assert_eq!(b.get(Table::Threads).unwrap().num_rows(), 1);
    assert_eq!(f.stats().extra_fields, 1, "response.notes is kept");
}

/// Regression: taking the delivery fields out of a `docs` item used to swap the item's last key
/// into their place, so `extra_json` listed the unknown keys out of document order.
#[test]
fn a_docs_item_keeps_its_unknown_keys_in_document_order() {
    let doc = r#"{"docs": [{"task_id": "d3", "delivery_id": "del", "x": 1, "y": 2,
        "response": {"notes": "n", "threads": [], "more": true}}]}"#;
    let mut f = Flattener::new();
    for rec in RecordReader::new(doc.as_bytes()) {
        assert!(f.push(&rec.unwrap()).is_empty());
    }
    let b = f.flush().unwrap();
    let tasks = b.get(Table::Tasks).unwrap();
    let extra = tasks
        .column(tasks.schema().index_of("extra_json").unwrap())
        .as_any()
        .downcast_ref::<arrow::array::StringArray>()
        .unwrap()
        .value(0);
    assert_eq!(
        extra,
        r#"{"x":1,"y":2,"response.notes":"n","response.more":true}"#
    );
}

#[test]
fn a_jsonl_line_may_hold_an_envelope() {
    let o = read(&format!(
        "{A}\n{{\"tasks\": [{B}], \"next_token\": \"t\"}}\n{{\"docs\": [{{\"task_id\": \"c\"}}]}}\n"
    ));
    assert_eq!(o.task_ids, ["a", "b", "c"]);
}

#[test]
fn bad_lines_are_rejected_with_their_line_and_the_rest_is_read() {
    let o = read(&format!(
        "{A}\nnot json\n{{\"task_id\": 5}}\n{{\"task_id\":\"x\",\"created_at\":5}}\n[1]\n{{\"task_id\":\"y\",\"threads\":\"x\"}}\n{B}\n"
    ));
    assert_eq!(o.task_ids, ["a", "b"]);
    let lines: Vec<u64> = o.rejected.iter().map(|r| r.0).collect();
    assert_eq!(lines, [2, 3, 4, 5, 6]);
    assert!(o.rejected[0].1.starts_with("not valid JSON"));
    assert_eq!(
        o.rejected[1].1,
        "field `task_id`: expected a string, found number"
    );
    assert_eq!(
        o.rejected[2].1,
        "field `created_at`: expected a string or null, found number"
    );
    assert_eq!(o.rejected[3].1, "a task must be a JSON object, found array");
    assert_eq!(
        o.rejected[4].1,
        "field `threads`: expected an array or null, found string"
    );
}

#[test]
fn a_bad_first_line_costs_only_that_line() {
    let o = read(&format!(
        "{{\"task_id\": \"a\", \"threads\": [\n{B}\n{{\"task_id\":\"c\"}}\n"
    ));
    assert_eq!(o.task_ids, ["b", "c"]);
    assert_eq!(o.rejected.len(), 1);
    assert_eq!(o.rejected[0].0, 1);
}

#[test]
fn a_truncated_array_keeps_what_is_whole() {
    let o = read(&format!("[\n{A},\n{{\"task_id\": \"b\", \"threa"));
    assert_eq!(o.task_ids, ["a"]);
    assert_eq!(o.rejected.len(), 1);
    assert_eq!(o.rejected[0].0, 3);
    assert!(o.rejected[0].1.contains("truncated"), "{}", o.rejected[0].1);
}

#[test]
fn empty_and_blank_inputs_have_no_records() {
    assert_eq!(read("").records, 0);
    assert_eq!(read("  \n\n ").records, 0);
    assert_eq!(read("\u{feff}").records, 0);
}

#[test]
fn a_byte_order_mark_is_skipped() {
    assert_eq!(read(&format!("\u{feff}{A}\n{B}\n")).task_ids, ["a", "b"]);
}

#[test]
fn a_repeated_task_id_is_kept_apart_so_the_last_can_win() {
    let mut f = Flattener::new();
    for rec in RecordReader::new(format!("{A}\n{B}\n{A}\n").as_bytes()) {
        f.push(&rec.unwrap());
    }
    assert_eq!(
        f.buffered_tasks(),
        3,
        "a closed segment still counts as buffered"
    );
    let segments = f.take();
    assert_eq!(f.buffered_tasks(), 0);
    assert_eq!(segments.len(), 2);
    assert_eq!(segments[0].tasks, 2);
    assert_eq!(segments[1].tasks, 1);
}

#[test]
fn rejected_records_are_redacted() {
    let mut f = Flattener::new();
    let line = r#"{"task_id": 1, "x": {"workspace_token": "SECRET-1"}}
{"task_id": "t", "broken": {"workspace_token": "SECRET-2"
"#;
    let mut texts = Vec::new();
    for rec in RecordReader::new(line.as_bytes()) {
        for r in f.push(&rec.unwrap()) {
            assert!(!matches!(r.error, RecordError::BadField { .. }));
            texts.push(r.text);
        }
    }
    assert_eq!(texts.len(), 2);
    assert!(
        texts
            .iter()
            .all(|t| !t.contains("SECRET") && t.contains("[REDACTED]")),
        "{texts:?}"
    );
}

/// A line longer than the reader's buffer is gathered across refills: the same records, lines
/// and offsets as from one buffer holding the whole input.
#[test]
fn lines_longer_than_the_buffer_frame_as_from_one_buffer() {
    let input = format!("{A}\n\n{{\"task_id\":\"c\",\n{B}\r\n{A}");
    let frame = |r: &mut dyn std::io::BufRead| -> Vec<(Vec<u8>, u64, u64, bool)> {
        RecordReader::new(r)
            .map(|rec| {
                let rec = rec.unwrap();
                (rec.bytes, rec.line, rec.offset, rec.broken.is_some())
            })
            .collect()
    };
    let whole = frame(&mut input.as_bytes());
    assert_eq!(whole.len(), 4, "{whole:?}");
    assert_eq!(whole[3].1, 5);
    for capacity in [1, 2, 5, 7, 64] {
        let mut small = std::io::BufReader::with_capacity(capacity, input.as_bytes());
        assert_eq!(frame(&mut small), whole, "buffer of {capacity} bytes");
    }
}
