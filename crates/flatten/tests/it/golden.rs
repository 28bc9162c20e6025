//! Golden tests: every fixture flattened, every table's rows compared with JSON lines checked in
//! under data/golden/FIXTURE/TABLE.jsonl. A change to flattening shows up as a diff there.
//! Regenerate with `UPDATE_GOLDEN=1 cargo test -p taskq-flatten --test it golden`, then read the diff.
//!
//! The goldens are also checked against counts worked out by hand from the fixtures.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use arrow::array::{
    Array, AsArray, BinaryArray, BooleanArray, Float64Array, Int32Array, Int64Array, ListArray,
    StringArray, TimestampMicrosecondArray,
};
use arrow::datatypes::DataType;
use arrow::record_batch::RecordBatch;
use base64::Engine;
use serde_json::{Map, Value, json};
use taskq_core::Table;
use taskq_flatten::{Batches, Flattener, RecordReader, Rejected};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data")
}

fn flatten_file(path: &Path) -> (Batches, Vec<Rejected>, Flattener) {
    let bytes = std::fs::read(path).unwrap();
    let mut f = Flattener::new();
    let mut rejected = Vec::new();
    for rec in RecordReader::new(&bytes[..]) {
        rejected.extend(f.push(&rec.unwrap()));
    }
    let batches = f.flush().unwrap_or_default();
    (batches, rejected, f)
}

/// One row as a JSON object, column by column, in schema order.
fn rows_as_json(batch: &RecordBatch) -> Vec<Value> {
    (0..batch.num_rows())
        .map(|r| {
            let mut obj = Map::new();
            for (field, col) in batch.schema().fields().iter().zip(batch.columns()) {
                obj.insert(field.name().clone(), cell(col.as_ref(), r));
            }
            Value::Object(obj)
        })
        .collect()
}

fn cell(col: &dyn Array, r: usize) -> Value {
    if col.is_null(r) {
        return Value::Null;
    }
    let any = col.as_any();
    match col.data_type() {
        DataType::Utf8 => json!(any.downcast_ref::<StringArray>().unwrap().value(r)),
        DataType::Int32 => json!(any.downcast_ref::<Int32Array>().unwrap().value(r)),
        DataType::Int64 => json!(any.downcast_ref::<Int64Array>().unwrap().value(r)),
        DataType::Float64 => json!(any.downcast_ref::<Float64Array>().unwrap().value(r)),
        DataType::Boolean => json!(any.downcast_ref::<BooleanArray>().unwrap().value(r)),
        DataType::Timestamp(_, _) => {
            let us = any
                .downcast_ref::<TimestampMicrosecondArray>()
                .unwrap()
                .value(r);
            json!(
                chrono::DateTime::from_timestamp_micros(us)
                    .unwrap()
                    .to_rfc3339()
            )
        }
        DataType::Binary => {
            let b = any.downcast_ref::<BinaryArray>().unwrap().value(r);
            json!(format!(
                "base64:{}",
                base64::engine::general_purpose::STANDARD.encode(b)
            ))
        }
        DataType::List(_) => {
            let list = any.downcast_ref::<ListArray>().unwrap().value(r);
            Value::Array(list.as_string::<i32>().iter().map(|s| json!(s)).collect())
        }
        other => panic!("no golden rendering for {other}"),
    }
}

fn fixtures() -> Vec<PathBuf> {
    let mut paths: Vec<_> = std::fs::read_dir(data_dir().join("fixtures"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
}

#[test]
fn every_fixture_matches_its_golden_tables() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut mismatches = Vec::new();
    for fixture in fixtures() {
        let stem = fixture.file_stem().unwrap().to_string_lossy().into_owned();
        let (batches, rejected, _) = flatten_file(&fixture);
        assert!(rejected.is_empty(), "{stem}: {rejected:?}");
        let dir = data_dir().join("golden").join(&stem);
        for table in Table::ALL {
            let path = dir.join(format!("{table}.jsonl"));
            let got: String = batches
                .get(*table)
                .map(rows_as_json)
                .unwrap_or_default()
                .iter()
                .map(|v| format!("{v}\n"))
                .collect();
            if update {
                std::fs::create_dir_all(&dir).unwrap();
                if got.is_empty() {
                    let _ = std::fs::remove_file(&path);
                } else {
                    std::fs::write(&path, &got).unwrap();
                }
                continue;
            }
            let want = std::fs::read_to_string(&path).unwrap_or_default();
            if got != want {
                mismatches.push(format!("{stem}/{table}.jsonl"));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "differs from golden: {mismatches:?} (UPDATE_GOLDEN=1 to rewrite, then review the diff)"
    );
}

/// Row counts per table, and annotations per scope, read back from the golden files.
fn golden_counts(stem: &str) -> (BTreeMap<String, usize>, BTreeMap<String, usize>) {
    let dir = data_dir().join("golden").join(stem);
    let mut tables = BTreeMap::new();
    let mut scopes = BTreeMap::new();
    for table in Table::ALL {
        let text = std::fs::read_to_string(dir.join(format!("{table}.jsonl"))).unwrap_or_default();
        let rows: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        if *table == Table::Annotations {
            for r in &rows {
                *scopes
                    .entry(r["scope"].as_str().unwrap().to_owned())
                    .or_insert(0) += 1;
            }
        }
        tables.insert(table.name().to_owned(), rows.len());
    }
    (tables, scopes)
}

fn counts(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    let mut m: BTreeMap<String, usize> = Table::ALL
        .iter()
        .map(|t| (t.name().to_owned(), 0))
        .collect();
    for (k, v) in pairs {
        m.insert((*k).to_owned(), *v);
    }
    m
}

#[test]
fn multithread_fixture_counts_worked_out_by_hand() {
    let (tables, scopes) = golden_counts("task_completed_multithread");
    assert_eq!(
        tables,
        counts(&[
            ("tasks", 1),
            ("threads", 2),
            ("turns", 3),
            ("messages", 10),
            ("submissions", 1),
            ("chunks", 2),
            ("attachments", 2),
            ("reference_texts", 1),
            ("reasoning", 1),
            ("rubrics", 1),
            ("rubric_criteria", 2),
            ("rubric_evaluations", 1),
            ("criterion_evaluations", 2),
            ("annotations", 22),
            // category_multiple 1 + labeled_text 2 + ranked_choices 3 + ranked_groups 3 + file 1
            ("annotation_values", 10),
        ])
    );
    let want: BTreeMap<String, usize> = [("thread", 4), ("turn", 5), ("message", 12), ("chunk", 1)]
        .map(|(k, v)| (k.to_owned(), v))
        .into();
    assert_eq!(scopes, want);
}

#[test]
fn own_fixture_reaches_all_seven_scopes() {
    let (tables, scopes) = golden_counts("task_all_scopes");
    assert_eq!(
        tables,
        counts(&[
            ("tasks", 1),
            ("threads", 1),
            ("turns", 1),
            ("messages", 2),
            ("chunks", 1),
            ("rubrics", 1),
            ("rubric_criteria", 2),
            ("rubric_evaluations", 1),
            ("criterion_evaluations", 2),
            ("annotations", 12),
            ("annotation_values", 5),
        ])
    );
    let want: BTreeMap<String, usize> = [
        ("thread", 1),
        ("turn", 1),
        ("message", 6),
        ("chunk", 1),
        ("criterion", 1),
        ("rubric_evaluation", 1),
        ("criterion_evaluation", 1),
    ]
    .map(|(k, v)| (k.to_owned(), v))
    .into();
    assert_eq!(scopes, want);
}

#[test]
fn own_fixture_keeps_every_oddity() {
    let (b, _, f) = flatten_file(&data_dir().join("fixtures/task_all_scopes.json"));
    // priority, locale, content.language, model_parameters.temperature ("warm"),
    // model_parameters.seed, annotations[5], reviewer_note, labels ([A, 2]), grader, version,
    // criteria_definitions[2] (42), weight ("heavy").
    assert_eq!(f.stats().extra_fields, 12);
    let ann = rows_as_json(b.get(Table::Annotations).unwrap());
    let by_id = |id: &str| {
        ann.iter()
            .find(|r| r["annotation_id"] == id)
            .unwrap()
            .clone()
    };
    // Document order whatever the key order: chunk, message, criterion evaluation, evaluation,
    // turn, rubric criterion, thread.
    let seq: Vec<_> = ann
        .iter()
        .map(|r| {
            (
                r["annotation_seq"].as_i64().unwrap(),
                r["annotation_id"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(seq[0], (0, "an_chunk_1"));
    assert_eq!(seq[7], (7, "an_ceval_1"));
    assert_eq!(seq[8], (8, "an_eval_1"));
    assert_eq!(seq[11], (11, "an_thread_1"));
    let unknown = by_id("an_msg_1");
    assert_eq!(unknown["type"], "score_vector");
    assert_eq!(unknown["value_json"], r#"{"pos":0.8,"neg":0.1}"#);
    assert_eq!(unknown["extra_json"], r#"{"reviewer_note":"new type"}"#);
    assert_eq!(by_id("an_msg_2")["value"], "7.0");
    assert_eq!(by_id("an_msg_2")["value_num"], 7.0);
    assert_eq!(by_id("an_msg_4")["value_type"], Value::Null);
    assert_eq!(by_id("an_msg_5")["value_type"], "null");
    assert_eq!(by_id("an_msg_5")["value_json"], "null");
    // Inherited from the owning message, at message, chunk and evaluation scopes alike.
    for id in ["an_chunk_1", "an_msg_2", "an_eval_1", "an_ceval_1"] {
        assert_eq!(by_id(id)["source_id"], "model_x", "{id}");
        assert_eq!(by_id(id)["max_completion_tokens"], 512, "{id}");
    }
    let ws = by_id("an_msg_6");
    assert!(!ws.to_string().contains("PLANTED-SECRET"));
    assert!(
        ws["value_json"]
            .as_str()
            .unwrap()
            .contains(r#""workspace_token":"[REDACTED]""#)
    );
}

#[test]
fn fixture_tables_have_the_declared_schema() {
    for fixture in fixtures() {
        let (batches, _, _) = flatten_file(&fixture);
        for (t, b) in &batches.batches {
            assert_eq!(b.schema(), t.schema(), "{}", fixture.display());
        }
    }
}

/// The same tasks give the same schema and the same rows whatever their order or container.
#[test]
fn order_and_container_do_not_change_schema_or_rows() {
    let tasks: Vec<String> = fixtures()
        .iter()
        .map(|p| serde_json::from_slice::<Value>(&std::fs::read(p).unwrap()).unwrap())
        .flat_map(|v| match v.get("tasks") {
            Some(Value::Array(items)) => items.clone(),
            _ => vec![v],
        })
        .map(|v| v.to_string())
        .collect();
    let run = |input: String| {
        let mut f = Flattener::new();
        for rec in RecordReader::new(input.as_bytes()) {
            assert!(f.push(&rec.unwrap()).is_empty());
        }
        let b = f.flush().unwrap();
        Table::ALL
            .iter()
            .map(|t| {
                let mut rows: Vec<String> = b
                    .get(*t)
                    .map(rows_as_json)
                    .unwrap_or_default()
                    .iter()
                    .map(Value::to_string)
                    .collect();
                rows.sort();
                (b.get(*t).map(|x| x.schema()), rows)
            })
            .collect::<Vec<_>>()
    };
    let forward = run(tasks.join("\n"));
    let mut reversed = tasks.clone();
    reversed.reverse();
    assert_eq!(run(reversed.join("\n")), forward);
    assert_eq!(run(format!("[{}]", tasks.join(",\n"))), forward);
}

/// Regression: numbers must survive exactly. serde_json's default float parser can be off by
/// one unit in the last place (0.013459268511805123 came out as ...124), so the workspace enables
/// its `float_roundtrip` parser.
#[test]
fn numbers_keep_their_exact_value() {
    let line =
        br#"{"task_id":"t1","threads":[{"turns":[{"messages":[{"role":"assistant","annotations":[
        {"key":"time","type":"text","value":0.013459268511805123},
        {"key":"obj","value":{"time":0.013459268511805123,"n":7.0}}]}]}]}]}"#;
    let line: Vec<u8> = line.iter().copied().filter(|b| *b != b'\n').collect();
    let mut f = Flattener::new();
    for rec in RecordReader::new(&line[..]) {
        assert!(f.push(&rec.unwrap()).is_empty());
    }
    let batches = f.flush().unwrap();
    let rows = rows_as_json(batches.get(Table::Annotations).unwrap());
    assert_eq!(rows[0]["value"], "0.013459268511805123");
    assert_eq!(rows[0]["value_num"], json!(0.013459268511805123_f64));
    assert_eq!(rows[1]["value"], r#"{"time":0.013459268511805123,"n":7.0}"#);
}
