//! SQL answers as sqllogictest files: tests/slt/fixtures/*.slt run on a dataset ingested from
//! data/fixtures, tests/slt/sample/*.slt on the built-in sample (data/sample.jsonl.zst).
//! `SLT_UPDATE=1` rewrites the expected results in place (then read the diff).
//!
//! The runner reads the subset of the sqllogictest format these files use:
//! `query TYPES [rowsort]` / SQL / `----` / rows (cells separated by one space, NULL for null,
//! `(empty)` for an empty string, `\n` for a line break inside a value), `statement ok`, and
//! `statement error TEXT` (the error must contain TEXT). Comments start with `#`. A small runner
//! of our own keeps the test build's dependency features identical to the binary's, so the two
//! share one compile.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::path::{Path, PathBuf};

use arrow::util::display::{ArrayFormatter, FormatOptions};
use taskq_ingest::{IngestOptions, Input};
use taskq_query::Session;
use taskq_store::Dataset;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// One record of a .slt file.
enum Record {
    Query {
        header: String,
        sql: String,
        rowsort: bool,
        /// `named NAME [PARAM=VALUE ...]` in the header: the named query, run as `taskq query`
        /// runs it, in place of SQL.
        named: Option<(String, Vec<(String, String)>)>,
        expected: Vec<String>,
    },
    Statement {
        header: String,
        sql: String,
        error: Option<String>,
    },
    Other(String),
}

fn parse(text: &str) -> Vec<Record> {
    let mut out = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let mut sql = Vec::new();
        let mut take_sql = |lines: &mut std::iter::Peekable<std::str::Lines>| {
            while let Some(l) = lines.next_if(|l| !l.trim().is_empty() && *l != "----") {
                sql.push(l.to_owned());
            }
            sql.join("\n")
        };
        if let Some(rest) = line.strip_prefix("query ") {
            let sql = take_sql(&mut lines);
            let mut expected = Vec::new();
            if lines.next_if(|l| *l == "----").is_some() {
                while let Some(l) = lines.next_if(|l| !l.trim().is_empty()) {
                    expected.push(l.trim_end().to_owned());
                }
            }
            let words: Vec<&str> = rest.split_whitespace().collect();
            let named = words.iter().position(|w| *w == "named").map(|i| {
                let params = words[i + 2..]
                    .iter()
                    .filter_map(|w| w.split_once('='))
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect();
                (words[i + 1].to_owned(), params)
            });
            out.push(Record::Query {
                header: line.to_owned(),
                sql,
                rowsort: words.contains(&"rowsort"),
                named,
                expected,
            });
        } else if let Some(rest) = line.strip_prefix("statement ") {
            let error = rest.strip_prefix("error").map(|e| e.trim().to_owned());
            let sql = take_sql(&mut lines);
            out.push(Record::Statement {
                header: line.to_owned(),
                sql,
                error,
            });
        } else {
            out.push(Record::Other(line.to_owned()));
        }
    }
    out
}

async fn rows(
    session: &Session,
    sql: &str,
    named: Option<&(String, Vec<(String, String)>)>,
) -> Result<Vec<String>, String> {
    let result = match named {
        None => session.sql(sql).await,
        Some((name, params)) => match taskq_query::named_query(name) {
            Ok(q) => match q.bind(params) {
                Ok(values) => session.sql_with_params(q.sql, &values).await,
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        },
    }
    .map_err(|e| e.to_string())?;
    let options = FormatOptions::default().with_null("NULL");
    let mut rows = Vec::new();
    for batch in &result.batches {
        let formatters: Vec<_> = batch
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options).unwrap())
            .collect();
        for r in 0..batch.num_rows() {
            let cells: Vec<String> = formatters
                .iter()
                .map(|f| {
                    // A line break inside a value would end the record in the file.
                    let s = f.value(r).to_string().replace('\n', "\\n");
                    if s.is_empty() {
                        "(empty)".to_owned()
                    } else {
                        s
                    }
                })
                .collect();
            rows.push(cells.join(" ").trim_end().to_owned());
        }
    }
    Ok(rows)
}

/// Runs one file; returns its failures, or rewrites its expected results when `update`.
async fn run_file(session: &Session, file: &Path, update: bool) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap();
    let mut failures = Vec::new();
    let mut rewritten = Vec::new();
    for record in parse(&text) {
        match record {
            Record::Query {
                header,
                sql,
                rowsort,
                named,
                expected,
            } => {
                let mut got = rows(session, &sql, named.as_ref())
                    .await
                    .unwrap_or_else(|e| vec![format!("error: {e}")]);
                if rowsort {
                    got.sort();
                }
                if got != expected {
                    failures.push(format!(
                        "{header}\n{sql}\nexpected:\n{}\ngot:\n{}",
                        expected.join("\n"),
                        got.join("\n")
                    ));
                }
                let sql = if sql.is_empty() {
                    String::new()
                } else {
                    format!("{sql}\n")
                };
                rewritten.push(format!("{header}\n{sql}----\n{}", got.join("\n")));
                rewritten.push(String::new());
            }
            Record::Statement { header, sql, error } => {
                let outcome = session.sql(&sql).await;
                match (&error, outcome) {
                    (None, Err(e)) => failures.push(format!("{header}\n{sql}\nfailed: {e}")),
                    (Some(want), Ok(_)) => failures.push(format!(
                        "{header}\n{sql}\nsucceeded; expected an error containing {want:?}"
                    )),
                    (Some(want), Err(e)) if !e.to_string().contains(want.as_str()) => {
                        failures.push(format!(
                            "{header}\n{sql}\nerror {e}\ndoes not contain {want:?}"
                        ));
                    }
                    _ => {}
                }
                rewritten.push(format!("{header}\n{sql}"));
                rewritten.push(String::new());
            }
            Record::Other(line) => {
                if !(line.trim().is_empty() && rewritten.last().is_some_and(String::is_empty)) {
                    rewritten.push(line);
                }
            }
        }
    }
    if update {
        std::fs::write(file, format!("{}\n", rewritten.join("\n").trim_end())).unwrap();
        return Vec::new();
    }
    failures
        .into_iter()
        .map(|f| format!("{}:\n{f}", file.display()))
        .collect()
}

/// The files of `dir` whose name ends in `.ext`, sorted.
fn files_with_extension(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    files
}

async fn run_folder(folder: &str, input: PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ds");
    taskq_ingest::ingest(&[Input::Path(input)], &IngestOptions::new(root.clone()))
        .await
        .unwrap();
    let session = Session::open(Dataset::open(&root).unwrap());
    let files = files_with_extension(&repo().join("tests/slt").join(folder), "slt");
    assert!(!files.is_empty(), "no .slt files in tests/slt/{folder}");
    let mut failures = Vec::new();
    for file in files {
        failures.extend(run_file(&session, &file, std::env::var_os("SLT_UPDATE").is_some()).await);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixtures() {
    run_folder("fixtures", repo().join("data/fixtures")).await;
}

/// Every named query is checked by a `named` record of an .slt file over the sample.
#[test]
fn every_named_query_is_checked() {
    let checked: Vec<String> = files_with_extension(&repo().join("tests/slt/sample"), "slt")
        .iter()
        .flat_map(|f| parse(&std::fs::read_to_string(f).unwrap()))
        .filter_map(|r| match r {
            Record::Query {
                named: Some((name, _)),
                ..
            } => Some(name),
            _ => None,
        })
        .collect();
    for q in taskq_query::named_queries() {
        assert!(
            checked.contains(&q.name),
            "the named query {} is not checked by any `named` record in tests/slt/sample",
            q.name
        );
    }
}

/// A wrong answer, a failing statement and a missing error are each reported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_runner_reports_wrong_answers() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ds");
    taskq_ingest::ingest(
        &[Input::Path(repo().join("data/fixtures"))],
        &IngestOptions::new(root.clone()),
    )
    .await
    .unwrap();
    let session = Session::open(Dataset::open(&root).unwrap());
    let file = dir.path().join("wrong.slt");
    std::fs::write(&file, "query I\nSELECT count(*) FROM tasks\n----\n9\n\nstatement ok\nSELECT nope\n\nstatement error x\nSELECT 1\n").unwrap();
    let failures = run_file(&session, &file, false).await;
    assert_eq!(failures.len(), 3, "{failures:?}");
    assert!(
        failures[0].contains("expected:\n9\ngot:\n8"),
        "{}",
        failures[0]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sample() {
    run_folder("sample", repo().join("data/sample.jsonl.zst")).await;
}

#[test]
fn the_runner_reads_what_it_writes() {
    let text =
        "# c\nquery TI rowsort\nSELECT 1\n----\na 1\nb 2\n\nstatement error nope\nSELECT nope\n";
    let records = parse(text);
    assert_eq!(records.len(), 4, "comment, query, blank line, statement");
    assert!(
        matches!(&records[1], Record::Query { rowsort: true, expected, .. } if expected == &["a 1", "b 2"])
    );
    let named = parse("query T named leaderboard rounds=10 project=x\n----\na\n");
    assert!(
        matches!(&named[0], Record::Query { named: Some((n, p)), sql, .. }
            if n == "leaderboard" && sql.is_empty()
                && p == &[("rounds".to_owned(), "10".to_owned()), ("project".to_owned(), "x".to_owned())])
    );
    assert!(matches!(&records[3], Record::Statement { error: Some(e), .. } if e == "nope"));
}

/// Markers around the generated part of docs/functions.md; the prose around it is by hand.
const FUNCTIONS_BEGIN: &str =
    "<!-- BEGIN GENERATED: taskq-query functions; edit crates/query/src/functions, not this -->";
const FUNCTIONS_END: &str = "<!-- END GENERATED -->";

/// docs/functions.md must document every function as the code does, with its example's output
/// over the sample. `UPDATE_DOCS=1` rewrites its generated part.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docs_functions_md_matches_the_functions() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ds");
    taskq_ingest::ingest(
        &[Input::Path(repo().join("data/sample.jsonl.zst"))],
        &IngestOptions::new(root.clone()),
    )
    .await
    .unwrap();
    let session = Session::open(Dataset::open(&root).unwrap());
    let mut want = String::new();
    for f in taskq_query::functions() {
        let mut out = Vec::new();
        session
            .sql_to(&f.example, &taskq_query::Format::Table.into(), &mut out)
            .await
            .unwrap_or_else(|e| panic!("the example of {} fails: {e}", f.name));
        want.push_str(&format!(
            "\n## `{}`\n\n{} {} function. {}\n\n```text\n{}\n```\n\n",
            f.name,
            if f.kind == "aggregate" { "An" } else { "A" },
            f.kind,
            f.description,
            f.syntax
        ));
        want.push_str("| argument | meaning |\n| --- | --- |\n");
        for (name, meaning) in &f.arguments {
            want.push_str(&format!("| `{name}` | {} |\n", meaning.replace('|', "\\|")));
        }
        want.push_str(&format!(
            "\nOn the built-in sample:\n\n```sql\n{}\n```\n\n```text\n{}```\n",
            f.example,
            String::from_utf8(out).unwrap()
        ));
    }
    let path = repo().join("docs/functions.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let (head, rest) = doc.split_once(FUNCTIONS_BEGIN).expect("begin marker");
    let (generated, tail) = rest.split_once(FUNCTIONS_END).expect("end marker");
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(
            &path,
            format!("{head}{FUNCTIONS_BEGIN}{want}{FUNCTIONS_END}{tail}"),
        )
        .unwrap();
        return;
    }
    assert!(
        generated == want,
        "docs/functions.md is out of date: run UPDATE_DOCS=1 cargo test --release --workspace --test slt"
    );
}
