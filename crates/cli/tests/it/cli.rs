//! The `taskq` binary, run in a temporary folder as a user would run it.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::{fixture, in_terminal, ok, repo, taskq, taskq_cmd, taskq_stdin, text};

/// One number from a query, via CSV.
fn scalar(dir: &Path, dataset: &str, sql: &str) -> i64 {
    let out = ok(&taskq(
        dir,
        &["sql", sql, "--format", "csv", "--dataset", dataset],
    ));
    out.lines()
        .nth(1)
        .unwrap_or_else(|| panic!("no row: {out}"))
        .trim()
        .parse()
        .unwrap()
}

const COUNT_ALL: &str = "SELECT (SELECT count(*) FROM tasks) * 1000000 + (SELECT count(*) FROM messages) * 1000 + (SELECT count(*) FROM annotations)";

#[test]
fn ingest_a_folder_then_query_it() {
    let dir = tempfile::tempdir().unwrap();
    let o = taskq(
        dir.path(),
        &["ingest", repo().join("data/fixtures").to_str().unwrap()],
    );
    let summary = ok(&o);
    assert!(summary.contains("tasks read            8"), "{summary}");
    assert!(summary.contains("records quarantined   0"), "{summary}");
    assert!(dir.path().join("taskq-data/_taskq/manifest.json").exists());
    // ./taskq-data is found without naming it.
    let table = ok(&taskq(
        dir.path(),
        &[
            "sql",
            "SELECT key, value, count(*) AS n FROM annotations WHERE key = 'instruction_following' GROUP BY 1, 2 ORDER BY 3 DESC, 2",
        ],
    ));
    assert!(
        table.contains("| instruction_following | 3     | 3 |"),
        "{table}"
    );
    let tables = ok(&taskq(dir.path(), &["tables"]));
    assert!(
        tables.contains("| annotations               | 46   |"),
        "{tables}"
    );
    let tables = ok(&taskq(dir.path(), &["tables", "--format", "ndjson"]));
    assert!(
        tables.contains(
            r#"{"table":"annotations","rows":46,"one_row_per":"annotation, at every scope"}"#
        ),
        "{tables}"
    );
}

/// Regression: a folder holding `c.ndjson`, `d`, `e.json.zst` and `f.txt` read two files, said
/// `files read 2` and exit 0, and never read the tasks in `d` and `f.txt`.
#[test]
fn a_folder_is_read_by_content_and_what_is_passed_over_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let inputs = d.join("in");
    std::fs::create_dir_all(inputs.join("empty")).unwrap();
    let task = |id: &str| format!("{{\"task_id\":\"{id}\"}}\n");
    std::fs::write(inputs.join("c.ndjson"), task("c")).unwrap();
    std::fs::write(inputs.join("d"), task("d")).unwrap();
    std::fs::write(
        inputs.join("e.json.zst"),
        zstd::encode_all(task("e").as_bytes(), 3).unwrap(),
    )
    .unwrap();
    std::fs::write(inputs.join("f.txt"), format!("\u{feff}  {}", task("f"))).unwrap();
    std::fs::write(inputs.join("notes.md"), "# what these are\n").unwrap();
    std::fs::write(inputs.join("blank.json"), "").unwrap();
    let o = taskq(d, &["ingest", inputs.to_str().unwrap()]);
    let summary = ok(&o);
    assert!(summary.contains("files read            5"), "{summary}");
    assert!(summary.contains("files skipped         1"), "{summary}");
    assert!(summary.contains("tasks read            4"), "{summary}");
    let err = text(&o.stderr);
    assert!(
        err.contains("notes.md: skipped: does not start with JSON"),
        "{err}"
    );
    assert!(err.contains("blank.json: empty"), "{err}");
    assert!(err.contains("empty: empty folder, nothing read"), "{err}");
    assert_eq!(
        ok(&taskq(
            d,
            &[
                "sql",
                "SELECT string_agg(task_id, ' ' ORDER BY task_id) AS ids FROM tasks",
                "--format",
                "csv"
            ]
        )),
        "ids\nc d e f\n"
    );
}

/// Regression: Ctrl-C during an ingest killed the process without a word and left a truncated
/// `part-*.parquet` in the table folder.
#[test]
fn an_interrupted_ingest_says_so_commits_nothing_and_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let parquet_files = |root: &Path| -> usize {
        fn walk(p: &Path, n: &mut usize) {
            for e in std::fs::read_dir(p).into_iter().flatten().flatten() {
                let path = e.path();
                if path.is_dir() {
                    walk(&path, n);
                } else if path.extension().is_some_and(|x| x == "parquet") {
                    *n += 1;
                }
            }
        }
        let mut n = 0;
        walk(root, &mut n);
        n
    };
    ok(&taskq(
        d,
        &["ingest", fixture("task_error.json").to_str().unwrap()],
    ));
    let committed = parquet_files(&d.join("taskq-data"));
    for (signal, first) in [("INT", false), ("TERM", true)] {
        let dataset = if first { "fresh" } else { "taskq-data" };
        let mut child = taskq_cmd(d, &["ingest", "-", "--dataset", dataset])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Tasks arrive, then standard input stays open, as a slow upstream would.
        let mut stdin = child.stdin.take().unwrap();
        let mut tasks = Vec::new();
        taskq_gen::generate(
            &taskq_gen::GenOptions {
                tasks: 3000,
                seed: 3,
                shape: taskq_gen::Shape::Mixed,
            },
            &mut tasks,
        )
        .unwrap();
        stdin.write_all(&tasks).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1500));
        let killed = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let o = child.wait_with_output().unwrap();
        drop(stdin);
        assert_eq!(o.status.code(), Some(130), "{signal}: {}", text(&o.stderr));
        assert!(
            text(&o.stderr).contains("interrupted: nothing committed"),
            "{}",
            text(&o.stderr)
        );
        if first {
            assert!(!d.join("fresh").exists(), "a first run leaves no folder");
        } else {
            assert_eq!(parquet_files(&d.join("taskq-data")), committed);
        }
    }
    // The lock went with the run: the next ingest goes ahead.
    ok(&taskq(
        d,
        &["ingest", fixture("task_error.json").to_str().unwrap()],
    ));
}

/// Regression: after a first ingest was killed (SIGKILL), `taskq tables` said "no taskq dataset
/// here"; the dataset reads as empty until a run completes.
#[test]
fn a_dataset_whose_first_run_never_finished_reads_as_empty() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // What a killed first run leaves at the least: the run's folder, no manifest.
    std::fs::create_dir_all(d.join("ds/_taskq/quarantine")).unwrap();
    let o = taskq(d, &["tables", "--dataset", "ds", "--format", "csv"]);
    let tables = ok(&o);
    assert_eq!(tables.lines().count(), 18, "{tables}");
    assert!(
        tables
            .lines()
            .skip(1)
            .all(|l| l.split(',').nth(1) == Some("0")),
        "{tables}"
    );
    assert!(
        text(&o.stderr).contains("no run has completed"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(
        ok(&taskq(
            d,
            &[
                "sql",
                "SELECT count(*) AS n FROM annotations",
                "--format",
                "csv",
                "--dataset",
                "ds"
            ]
        )),
        "n\n0\n"
    );
}

#[test]
fn stdin_gzip_zstd_arrays_and_envelopes_all_give_the_same_rows() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let task = std::fs::read(fixture("task_completed_multithread.json")).unwrap();
    let compact =
        serde_json::to_vec(&serde_json::from_slice::<serde_json::Value>(&task).unwrap()).unwrap();
    let want = 1_000_000 + 10 * 1000 + 22;

    let o = taskq_stdin(d, &["ingest", "-", "--dataset", "stdin"], &task);
    ok(&o);
    assert_eq!(scalar(d, "stdin", COUNT_ALL), want);

    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&task).unwrap();
    std::fs::write(d.join("t.json.gz"), gz.finish().unwrap()).unwrap();
    std::fs::write(
        d.join("t.jsonl.zst"),
        zstd::encode_all(&compact[..], 3).unwrap(),
    )
    .unwrap();
    let mut array = b"[".to_vec();
    array.extend_from_slice(&task);
    array.extend_from_slice(b"]");
    std::fs::write(d.join("array.json"), array).unwrap();
    let mut page = br#"{"delivery": {"id": "del_1", "name": "weekly", "delivered_at": "2025-06-13T18:00:00Z"}, "tasks": ["#.to_vec();
    page.extend_from_slice(&task);
    page.extend_from_slice(br#"], "next_token": null}"#);
    std::fs::write(d.join("page.json"), page).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&task).unwrap();
    let docs = serde_json::json!({"docs": [{"task_id": v["task_id"], "created_at": v["created_at"], "delivery_id": "del_2",
        "delivered_at": "2025-06-14T00:00:00Z", "response_schema_id": "schema_1", "response": {"threads": v["threads"]}}], "total": 1});
    std::fs::write(d.join("docs.json"), docs.to_string()).unwrap();

    for (file, ds) in [
        ("t.json.gz", "gz"),
        ("t.jsonl.zst", "zst"),
        ("array.json", "array"),
        ("page.json", "page"),
        ("docs.json", "docs"),
    ] {
        ok(&taskq(d, &["ingest", file, "--dataset", ds]));
        assert_eq!(scalar(d, ds, COUNT_ALL), want, "{file}");
    }
    let delivery = ok(&taskq(
        d,
        &[
            "sql",
            "SELECT delivery_id, delivery_name, response_schema_id FROM tasks",
            "--format",
            "csv",
            "--dataset",
            "docs",
        ],
    ));
    assert!(delivery.contains("del_2,,schema_1"), "{delivery}");
    let delivery = ok(&taskq(
        d,
        &[
            "sql",
            "SELECT delivery_id, delivery_name FROM tasks",
            "--format",
            "csv",
            "--dataset",
            "page",
        ],
    ));
    assert!(delivery.contains("del_1,weekly"), "{delivery}");
}

#[test]
fn a_bad_record_is_quarantined_with_its_place_and_the_rest_ingested() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = r#"{"task_id": "good-1", "threads": []}"#;
    let input = format!(
        "{good}\n{{\"task_id\": \"bad-1\", \"created_at\": 5, \"x\": {{\"workspace_token\": \"PLANTED-Q\"}}}}\nnot json at all\n{{\"task_id\": \"bad-2\", \"threads\": \"x\"}}\n{{\"task_id\": \"good-2\"}}\n"
    );
    std::fs::write(d.join("mixed.jsonl"), input).unwrap();
    let o = taskq(d, &["ingest", "mixed.jsonl"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("records quarantined   3"), "{out}");
    assert!(
        out.contains(
            "mixed.jsonl:2 (byte 37): field `created_at`: expected a string or null, found number"
        ),
        "{out}"
    );
    assert!(out.contains("mixed.jsonl:3 (byte "), "{out}");
    assert!(out.contains("mixed.jsonl:4 (byte "), "{out}");
    assert!(
        out.contains("field `threads`: expected an array or null, found string"),
        "{out}"
    );
    assert_eq!(scalar(d, "taskq-data", "SELECT count(*) FROM tasks"), 2);
    let qdir = d.join("taskq-data/_taskq/quarantine");
    let files: Vec<_> = std::fs::read_dir(&qdir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let q = std::fs::read_to_string(&files[0]).unwrap();
    assert_eq!(q.lines().count(), 3);
    assert!(
        q.contains("\"line\":2") && q.contains("\"source\":\"mixed.jsonl\""),
        "{q}"
    );
    assert!(!q.contains("PLANTED-Q") && q.contains("[REDACTED]"), "{q}");
}

#[test]
fn unreadable_inputs_fail_clearly_and_commit_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = fixture("task_error.json");
    let good = good.to_str().unwrap();

    // A missing path.
    let o = taskq(d, &["ingest", good, "nope.jsonl"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("nope.jsonl: no such file or folder"),
        "{}",
        text(&o.stderr)
    );

    // A file that is not JSON.
    std::fs::write(d.join("notes.txt"), "hello\nthis is not json\n").unwrap();
    let o = taskq(d, &["ingest", good, "notes.txt"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("notes.txt: not JSON"),
        "{}",
        text(&o.stderr)
    );

    // A truncated gzip file.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&std::fs::read(fixture("task_completed_multithread.json")).unwrap())
        .unwrap();
    let bytes = gz.finish().unwrap();
    std::fs::write(d.join("cut.json.gz"), &bytes[..bytes.len() / 2]).unwrap();
    let o = taskq(d, &["ingest", good, "cut.json.gz"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("cut.json.gz: the compressed stream ends early (truncated file?)"),
        "{}",
        text(&o.stderr)
    );

    // None of these committed anything.
    assert!(!d.join("taskq-data/_taskq/manifest.json").exists());
    let o = taskq(d, &["tables"]);
    assert!(
        text(&o.stderr).contains("built-in sample"),
        "{}",
        text(&o.stderr)
    );

    // An empty file is said, and the rest is ingested.
    std::fs::write(d.join("empty.jsonl"), "").unwrap();
    let o = taskq(d, &["ingest", good, "empty.jsonl"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        text(&o.stderr).contains("empty.jsonl: empty: no JSON in it, nothing read"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(scalar(d, "taskq-data", "SELECT count(*) FROM tasks"), 1);
}

#[test]
fn reingesting_replaces_and_never_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fixtures = repo().join("data/fixtures");
    let fx = fixtures.to_str().unwrap();
    ok(&taskq(d, &["ingest", fx]));
    let first = scalar(d, "taskq-data", COUNT_ALL);
    let rows = |d: &Path| ok(&taskq(d, &["tables"]));
    let before = rows(d);
    ok(&taskq(d, &["ingest", fx]));
    assert_eq!(scalar(d, "taskq-data", COUNT_ALL), first);
    assert_eq!(rows(d), before);
    // Overlapping files in one run, and the same file twice: the last occurrence wins.
    let multi = fixture("task_completed_multithread.json");
    let multi = multi.to_str().unwrap();
    let o = ok(&taskq(d, &["ingest", multi, fx, multi]));
    assert!(o.contains("tasks read            10"), "{o}");
    // The summary counts a task once however often it came, and says what the repeats did.
    assert!(
        o.contains("tasks written         8 (2 repeats replaced by their later copy)"),
        "{o}"
    );
    assert!(
        o.lines().any(|l| l.split_whitespace().collect::<Vec<_>>()
            == ["tasks", "8", "(8", "earlier", "rows", "replaced)"]),
        "{o}"
    );
    assert_eq!(scalar(d, "taskq-data", COUNT_ALL), first);
    assert_eq!(rows(d), before);
    // A changed task replaces its old version in every table.
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(multi).unwrap()).unwrap();
    v["threads"].as_array_mut().unwrap().truncate(1);
    std::fs::write(d.join("changed.json"), v.to_string()).unwrap();
    ok(&taskq(d, &["ingest", "changed.json"]));
    assert_eq!(
        scalar(
            d,
            "taskq-data",
            "SELECT count(*) FROM threads WHERE task_id = '6650f1c2a9d4e3b8f0a1c2d3'"
        ),
        1
    );
    assert_eq!(
        scalar(
            d,
            "taskq-data",
            "SELECT count(*) FROM annotations WHERE task_id = '6650f1c2a9d4e3b8f0a1c2d3'"
        ),
        18
    );
    assert_eq!(scalar(d, "taskq-data", "SELECT count(*) FROM tasks"), 8);
}

#[test]
fn a_planted_workspace_token_reaches_no_file_and_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    const SECRET: &str = "PLANTED-SECRET-7f3a";
    let mut outputs = Vec::new();
    let all = fixture("task_all_scopes.json");
    outputs.push(taskq(d, &["ingest", all.to_str().unwrap()]));
    // Also in a record that is quarantined, and one that is not JSON at all.
    std::fs::write(
        d.join("bad.jsonl"),
        format!("{{\"task_id\": 1, \"workspace_token\": \"{SECRET}\"}}\n{{\"task_id\": \"x\", \"v\": {{\"workspace_token\": \"{SECRET}\"\n"),
    )
    .unwrap();
    outputs.push(taskq(d, &["ingest", "bad.jsonl"]));
    for format in ["table", "csv", "json", "ndjson"] {
        outputs.push(taskq(
            d,
            &["sql", "SELECT * FROM annotations", "--format", format],
        ));
    }
    for o in &outputs {
        assert!(!text(&o.stdout).contains(SECRET) && !text(&o.stderr).contains(SECRET));
    }
    assert!(text(&outputs[2].stdout).contains("[REDACTED]"));
    let mut files = 0;
    let mut stack = vec![d.join("taskq-data")];
    while let Some(p) = stack.pop() {
        for e in std::fs::read_dir(&p).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            files += 1;
            let mut bytes = Vec::new();
            std::fs::File::open(&path)
                .unwrap()
                .read_to_end(&mut bytes)
                .unwrap();
            // Parquet pages are compressed; look in the decompressed values too.
            assert!(
                !String::from_utf8_lossy(&bytes).contains(SECRET),
                "{}",
                path.display()
            );
        }
    }
    assert!(files > 20);
    let csv = ok(&taskq(
        d,
        &[
            "sql",
            "SELECT value_json FROM annotations WHERE key = 'execution_environment'",
            "--format",
            "csv",
        ],
    ));
    assert!(csv.contains("[REDACTED]") && !csv.contains(SECRET), "{csv}");
}

/// Regression: `--dataset s3://bucket/ds` made a local folder `s3:` and wrote the dataset there.
#[test]
fn a_dataset_url_is_refused_by_name_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fixture = fixture("task_error.json");
    let fixture = fixture.to_str().unwrap();
    for (args, env) in [
        (vec!["ingest", fixture, "--dataset", "s3://bucket/ds"], None),
        (vec!["sql", "SELECT 1", "--dataset", "gs://bucket/ds"], None),
        (vec!["tables"], Some("az://container/ds")),
        (vec!["ingest", fixture], Some("file:///tmp/ds")),
    ] {
        let mut cmd = taskq_cmd(d, &args);
        if let Some(url) = env {
            cmd.env("TASKQ_DATASET", url);
        }
        let o = cmd.output().unwrap();
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let err = text(&o.stderr);
        assert!(
            err.contains("datasets at URLs") && err.contains("not supported yet"),
            "{err}"
        );
    }
    assert_eq!(std::fs::read_dir(d).unwrap().count(), 0, "nothing written");
}

#[test]
fn output_formats() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&taskq(
        d,
        &["ingest", repo().join("data/fixtures").to_str().unwrap()],
    ));
    let q = "SELECT task_id, status, thread_count FROM tasks WHERE task_id = '6651b3e8c1d2a4f6b8c0e2a4'";
    assert_eq!(
        ok(&taskq(d, &["sql", q, "--format", "csv"])),
        "task_id,status,thread_count\n6651b3e8c1d2a4f6b8c0e2a4,error,0\n"
    );
    let json: serde_json::Value =
        serde_json::from_str(&ok(&taskq(d, &["sql", q, "--format", "json"]))).unwrap();
    assert_eq!(
        json,
        serde_json::json!([{"task_id": "6651b3e8c1d2a4f6b8c0e2a4", "status": "error", "thread_count": 0}])
    );
    let nd = ok(&taskq(
        d,
        &[
            "sql",
            "SELECT status FROM tasks ORDER BY status",
            "--format",
            "ndjson",
        ],
    ));
    assert_eq!(nd.lines().count(), 8);
    assert_eq!(nd.lines().next().unwrap(), r#"{"status":"canceled"}"#);
    let empty = ok(&taskq(
        d,
        &[
            "sql",
            "SELECT task_id FROM tasks WHERE false",
            "--format",
            "json",
        ],
    ));
    assert_eq!(empty.trim(), "[]");
    ok(&taskq(
        d,
        &[
            "sql",
            "SELECT * FROM messages",
            "--format",
            "parquet",
            "--output",
            "m.parquet",
        ],
    ));
    let bytes = std::fs::read(d.join("m.parquet")).unwrap();
    assert!(bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"));
    let schema = ok(&taskq(d, &["schema", "annotation_values"]));
    assert!(
        schema.contains("group_idx") && schema.contains("int32"),
        "{schema}"
    );
}

/// Regression: `SELECT * FROM annotations --format csv` printed the header, then failed on the
/// first list column; `--output out.csv` without `--format` wrote a boxed table.
#[test]
fn every_table_goes_to_csv_and_output_takes_the_format_from_its_extension() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&taskq(
        d,
        &["ingest", repo().join("data/fixtures").to_str().unwrap()],
    ));
    let tables = ok(&taskq(d, &["tables", "--format", "csv"]));
    for t in tables.lines().skip(1).filter_map(|l| l.split(',').next()) {
        let csv = ok(&taskq(
            d,
            &["sql", &format!("SELECT * FROM {t}"), "--format", "csv"],
        ));
        assert!(csv.lines().count() > 1, "{t}: {csv}");
    }
    let q = "SELECT key, labels FROM annotations WHERE key = 'tone' LIMIT 1";
    let csv = ok(&taskq(d, &["sql", q, "--format", "csv"]));
    assert!(csv.starts_with("key,labels\ntone,\"[\"\""), "{csv}");
    for (file, starts) in [
        ("out.csv", "key,labels\n"),
        ("out.json", "[{\"key\":"),
        ("out.jsonl", "{\"key\":"),
        ("out.PARQUET", "PAR1"),
        ("out.txt", "+-"),
    ] {
        ok(&taskq(d, &["sql", q, "--output", file]));
        let written = std::fs::read(d.join(file)).unwrap();
        assert!(
            written.starts_with(starts.as_bytes()),
            "{file}: {}",
            text(&written)
        );
    }
    // An explicit --format wins over the extension.
    ok(&taskq(
        d,
        &["sql", q, "--output", "x.csv", "--format", "ndjson"],
    ));
    assert!(std::fs::read(d.join("x.csv")).unwrap().starts_with(b"{"));
}

/// The peak resident memory of `cmd`, in MB, read from /proc while it runs, and its output.
fn peak_mb(mut cmd: Command) -> (u64, std::process::Output) {
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = format!("/proc/{}/status", child.id());
    let reader = std::thread::spawn(move || child.wait_with_output().unwrap());
    let mut peak_kb = 0;
    while !reader.is_finished() {
        if let Ok(s) = std::fs::read_to_string(&status)
            && let Some(kb) = s
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak_kb = peak_kb.max(kb);
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    (peak_kb / 1024, reader.join().unwrap())
}

/// Regression: the table format held every row, and its formatted text: a result of 2 million
/// rows peaked at 2.4 GB, and larger ones aborted. Now it keeps the rows it shows.
#[test]
fn a_large_result_prints_in_flat_memory_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let q = "SELECT value AS n, repeat('x', 100) AS s FROM generate_series(1, 2000000)";
    for format in ["table", "csv", "ndjson", "json"] {
        let (mb, o) = peak_mb(taskq_cmd(d, &["sql", q, "--format", format]));
        let out = ok(&o);
        assert!(mb < 400, "{format}: peak {mb} MB");
        if format == "table" {
            assert_eq!(out.lines().count(), 46, "{out}");
            assert!(out.contains("| 2000000 |"), "{out}");
            assert!(out.ends_with("2000000 rows, 40 shown (--max-rows 0 shows all)\n"));
        } else {
            assert!(out.len() > 200_000_000, "{format}: {} bytes", out.len());
        }
    }
}

/// Regression: errors were printed with every cause in turn, and DataFusion's messages already
/// hold their causes' text: a misspelt column listed the valid fields four times.
#[test]
fn an_error_says_each_cause_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = taskq(d, &["sql", "SELECT nope FROM tasks"]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert_eq!(err.matches("Valid fields are").count(), 1, "{err}");
    assert!(err.contains("No field named nope"), "{err}");
    let o = taskq(d, &["sql", "--file", "missing.sql"]);
    let err = text(&o.stderr);
    assert!(err.contains("reading missing.sql: "), "{err}");
    let o = taskq(d, &["sql", "SELEC 1"]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert_eq!(err.matches("found: SELEC").count(), 1, "{err}");
    assert!(!err.contains("ParserError("), "{err}");
}

/// Rows are written as the query makes them, so a query can fail after its output began: then
/// no half-written `--output` file is left behind.
#[test]
fn a_query_failing_part_way_leaves_no_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The second batch of 8,192 rows divides by zero.
    let q = "SELECT 10 / (value - 9000) AS x FROM generate_series(1, 10000) AS t(value)";
    for format in ["csv", "parquet", "table"] {
        let o = taskq(d, &["sql", q, "--format", format, "--output", "x.out"]);
        assert_eq!(o.status.code(), Some(1), "{format}");
        assert!(text(&o.stderr).contains("Divide by zero"), "{format}");
        assert!(!d.join("x.out").exists(), "{format}");
    }
    let q = "SELECT value FROM generate_series(1, 10000) AS t(value)";
    ok(&taskq(
        d,
        &["sql", q, "--format", "csv", "--output", "x.out"],
    ));
    let csv = std::fs::read_to_string(d.join("x.out")).unwrap();
    assert_eq!(csv.lines().count(), 10_001);
}

#[test]
fn no_dataset_means_the_built_in_sample_but_a_named_one_must_exist() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = taskq(
        d,
        &["sql", "SELECT count(*) AS n FROM tasks", "--format", "csv"],
    );
    assert_eq!(ok(&o), "n\n300\n");
    assert!(
        text(&o.stderr).contains("using the built-in sample dataset (300 tasks)"),
        "{}",
        text(&o.stderr)
    );
    let o = taskq(d, &["sql", "SELECT 1", "--dataset", "missing"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("missing: no such dataset"),
        "{}",
        text(&o.stderr)
    );
    let o = taskq_cmd(d, &["sql", "SELECT 1"])
        .env("TASKQ_DATASET", "also-missing")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("also-missing: no such dataset"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn a_query_file_may_set_options_and_make_views_before_its_query() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("q.sql"),
        "-- Tasks per status, through a view.\n\
         SET datafusion.execution.target_partitions = 1;\n\
         CREATE VIEW done AS SELECT * FROM tasks WHERE status = 'completed';\n\
         SELECT count(*) AS n FROM done;\n",
    )
    .unwrap();
    let through_view = ok(&taskq(d, &["sql", "--file", "q.sql", "--format", "csv"]));
    let direct = ok(&taskq(
        d,
        &[
            "sql",
            "SELECT count(*) AS n FROM tasks WHERE status = 'completed'",
            "--format",
            "csv",
        ],
    ));
    assert_eq!(through_view, direct);
    assert_ne!(direct, "n\n0\n");
    let o = taskq(d, &["sql", "SELECT 1; SELECT 2"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("statement 1 returns rows"),
        "{}",
        text(&o.stderr)
    );
    assert!(o.stdout.is_empty());
}

#[test]
fn a_sql_error_is_datafusions_message_without_a_backtrace() {
    let dir = tempfile::tempdir().unwrap();
    let o = taskq(dir.path(), &["sql", "SELECT nope FROM tasks"]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(
        err.contains("taskq: error:") && err.contains("nope"),
        "{err}"
    );
    assert!(
        !err.contains("backtrace") && !err.contains("panicked"),
        "{err}"
    );
    let o = taskq(dir.path(), &["sql", "SELEKT 1"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("SELEKT"), "{}", text(&o.stderr));
}

/// Regression: an unsupported statement printed DataFusion's dump of its syntax tree, some
/// 1,500 characters; a misspelt table did not say which tables there are.
#[test]
fn engine_errors_are_short_and_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let pivot = "SELECT * FROM (SELECT key, value FROM annotations) \
                 PIVOT (count(*) FOR value IN ('1', '2')) AS p";
    let o = taskq(dir.path(), &["sql", pivot]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    let line = err.lines().last().unwrap();
    assert!(line.len() < 400, "{err}");
    assert!(
        line.contains("not supported") && line.contains("Pivot") && line.contains("FILTER"),
        "{err}"
    );
    let o = taskq(dir.path(), &["sql", "SELECT count(*) FROM anotations"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("no table `anotations`; the tables are tasks, task_errors,")
            && text(&o.stderr).contains(", annotations, annotation_values"),
        "{}",
        text(&o.stderr)
    );
    // A view the session made counts among the tables.
    let o = taskq(
        dir.path(),
        &[
            "sql",
            "CREATE VIEW ratings AS SELECT 1 AS x; SELECT * FROM rating",
        ],
    );
    assert!(text(&o.stderr).contains(", ratings"), "{}", text(&o.stderr));
}

#[test]
fn sql_comes_from_stdin_when_asked_or_piped() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let sql = b"SELECT count(*) AS n FROM tasks";
    for args in [
        &["sql", "-", "--format", "csv"][..],
        &["sql", "--file", "-", "--format", "csv"],
        &["sql", "--format", "csv"],
    ] {
        let o = taskq_stdin(d, args, sql);
        assert_eq!(ok(&o), "n\n300\n", "{args:?}");
    }
    let o = taskq_stdin(d, &["sql", "-"], b"  \n");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("no SQL on standard input"),
        "{}",
        text(&o.stderr)
    );
    // On a terminal, no query and an --output file: neither a shell nor a wait for typing.
    let o = Command::new("script")
        .args([
            "-qec",
            &format!("{} sql --output x.csv", env!("CARGO_BIN_EXE_taskq")),
            "/dev/null",
        ])
        .current_dir(d)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stdout).contains("to write to --output"),
        "{}",
        text(&o.stdout)
    );
}

/// `taskq ARGS` under a pseudo-terminal (script(1)), with `keys` typed into it; what the
/// terminal showed. The line editor drops what is typed while it is not asking, so each line is
/// typed once the shell has shown its next prompt (as a person types); `^C` is Ctrl-C, pressed a
/// second after the line before it, while that line's query runs.
fn typed_into(dir: &Path, keys: &[&str], args: &str) -> String {
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};
    let mut child = Command::new("script")
        .args([
            "-qec",
            // exec: Ctrl-C must reach taskq alone. A shell left waiting between script(1) and
            // taskq (dash, when $SHELL is /bin/sh) takes the SIGINT too and exits 130.
            &format!("exec {} {args}", env!("CARGO_BIN_EXE_taskq")),
            "/dev/null",
        ])
        .current_dir(dir)
        .env("HOME", dir)
        .env_remove("TASKQ_DATASET")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let shown = Arc::new(Mutex::new(Vec::new()));
    let reader = {
        let shown = shown.clone();
        let mut out = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = out.read(&mut buf) {
                shown.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        })
    };
    let prompts = || {
        let s = text(&shown.lock().unwrap());
        s.matches("taskq> ").count() + s.matches("...> ").count()
    };
    let mut stdin = child.stdin.take().unwrap();
    let mut asked = 0;
    for key in keys {
        if *key == "^C" {
            std::thread::sleep(Duration::from_secs(1));
            stdin.write_all(b"\x03").unwrap();
            continue;
        }
        let start = Instant::now();
        while prompts() <= asked {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "no prompt for {key:?}: {}",
                text(&shown.lock().unwrap())
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        asked = prompts();
        stdin.write_all(format!("{key}\r").as_bytes()).unwrap();
    }
    let status = child.wait().unwrap();
    reader.join().unwrap();
    let shown = text(&shown.lock().unwrap());
    assert!(status.success(), "{status}: {shown}");
    shown
}

#[test]
fn the_shell_runs_statements_over_lines_and_keeps_their_history() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let shown = typed_into(
        d,
        &[
            "SELECT count(*) AS n",
            "FROM tasks;",
            ".tables",
            ".format csv",
            "SELECT 1 AS one;",
            ".schema nope",
            ".quit",
        ],
        "sql",
    );
    assert!(
        shown.contains("| n   |") && shown.contains("| 300 |"),
        "{shown}"
    );
    assert!(shown.contains("annotation_values"), "{shown}");
    assert!(
        shown.contains("one\r\n1\r\n"),
        "csv after .format csv: {shown}"
    );
    assert!(shown.contains("no table or view `nope`"), "{shown}");
    let history = std::fs::read_to_string(d.join(".taskq_history")).unwrap();
    assert!(history.contains("SELECT count(*) AS n"), "{history}");
    assert!(history.contains("SELECT 1 AS one;"), "{history}");
}

#[test]
fn ctrl_c_in_the_shell_stops_the_query_not_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    // A query that would run for hours, stopped a second in; the shell goes on.
    let shown = typed_into(
        dir.path(),
        &[
            "SELECT sum(value) FROM range(1000000000000);",
            "^C",
            "SELECT 42 AS answer;",
            ".quit",
        ],
        "sql",
    );
    assert!(shown.contains("interrupted"), "{shown}");
    assert!(shown.contains("| 42     |"), "{shown}");
}

#[test]
fn completions_are_scripts_for_each_shell() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let bash = ok(&taskq(d, &["completions", "bash"]));
    assert!(
        bash.contains("ingest") && bash.contains("--max-rows"),
        "{bash}"
    );
    std::fs::write(d.join("taskq.bash"), &bash).unwrap();
    let check = Command::new("bash")
        .args(["-n", "taskq.bash"])
        .current_dir(d)
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", text(&check.stderr));
    for shell in ["zsh", "fish"] {
        let script = ok(&taskq(d, &["completions", shell]));
        assert!(
            script.contains("taskq") && script.contains("completions"),
            "{script}"
        );
    }
    let o = taskq(d, &["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn schema_of_one_table_gives_each_columns_meaning() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(&taskq(dir.path(), &["schema", "messages"]));
    assert!(out.starts_with("messages: One row per message.\n"), "{out}");
    assert!(
        out.lines().any(|l| l.split_whitespace().collect::<Vec<_>>()
            == ["temperature", "float64", "`model_parameters.temperature`."]),
        "{out}"
    );
    let o = taskq(dir.path(), &["schema", "mesages"]);
    assert!(
        text(&o.stderr).contains("no table or view `mesages`"),
        "{}",
        text(&o.stderr)
    );
    let view = ok(&taskq(dir.path(), &["schema", "comparisons"]));
    assert!(view.starts_with("comparisons (view): "), "{view}");
    assert!(
        view.lines()
            .any(|l| l.split_whitespace().take(2).eq(["outcome", "float64"])),
        "{view}"
    );
}

#[test]
fn named_queries_run_with_parameters_and_refuse_unknown_ones() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let list = ok(&taskq(d, &["query"]));
    assert!(
        list.contains("leaderboard\n  Bradley–Terry leaderboard"),
        "{list}"
    );
    assert!(
        list.contains("--param since=…  (date, default 1970-01-01)"),
        "{list}"
    );
    assert_eq!(ok(&taskq(d, &["query", "--list"])), list);
    // The sample's selected-model comparisons, filtered by a bound parameter: the same models
    // as a query with the value written in.
    let csv = ok(&taskq(
        d,
        &[
            "query",
            "leaderboard",
            "--param",
            "rounds=0",
            "-p",
            "since=2025-07-01",
            "--format",
            "csv",
        ],
    ));
    let mut models: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    models.sort();
    let direct = ok(&taskq(
        d,
        &[
            "sql",
            "SELECT DISTINCT m FROM (SELECT model_a AS m, completed_at FROM comparisons \
             WHERE source = 'selected_model_id' UNION ALL SELECT model_b, completed_at FROM comparisons \
             WHERE source = 'selected_model_id') WHERE completed_at >= TIMESTAMP '2025-07-01T00:00:00Z' ORDER BY m",
            "--format",
            "csv",
        ],
    ));
    assert_eq!(models, direct.lines().skip(1).collect::<Vec<_>>());
    assert!(
        ok(&taskq(d, &["query", "leaderboard", "--show"])).starts_with("-- name: leaderboard\n")
    );
    // Text that would break out of a pasted string stays a value.
    let o = taskq(
        d,
        &[
            "query",
            "win_matrix",
            "-p",
            "project=x' OR '1'='1",
            "--format",
            "csv",
        ],
    );
    assert_eq!(ok(&o), "model,opponent,battles,wins,win_rate\n");
    for (args, says) in [
        (
            &["query", "leaderbord"][..],
            "no named query `leaderbord`; the queries are: label_distribution,",
        ),
        (
            &["query", "leaderboard", "-p", "projet=x"],
            "leaderboard has no parameter `projet`; its parameters are: source, project, since, rounds, seed",
        ),
        (
            &["query", "leaderboard", "-p", "rounds=many"],
            "parameter rounds of leaderboard is an int; got `many`",
        ),
        (
            &["query", "label_distribution", "-p", "x=1"],
            "label_distribution takes no parameters; got `x`",
        ),
    ] {
        let o = taskq(d, args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert!(
            text(&o.stderr).contains(says),
            "{args:?}: {}",
            text(&o.stderr)
        );
    }
    let o = taskq(
        d,
        &[
            "sql",
            "--file",
            repo().join("queries/leaderboard.sql").to_str().unwrap(),
        ],
    );
    assert!(
        text(&o.stderr).contains("the SQL has parameters with no value: $project, $rounds"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn functions_lists_taskqs_own_and_shows_one() {
    let dir = tempfile::tempdir().unwrap();
    let list = ok(&taskq(dir.path(), &["functions"]));
    let names: Vec<&str> = list
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    for name in [
        "bradley_terry",
        "krippendorff_alpha",
        "mean_ci",
        "psi",
        "wilson_lower",
    ] {
        assert!(names.contains(&name), "{list}");
    }
    let one = ok(&taskq(dir.path(), &["functions", "bradley_terry"]));
    assert!(
        one.starts_with("bradley_terry(unit, model_a, model_b, outcome [, rounds"),
        "{one}"
    );
    assert!(one.contains("\n  anchor_model  "), "{one}");
    let o = taskq(dir.path(), &["functions", "bradley_tery"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("no function `bradley_tery`; taskq's are: bradley_terry,"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = taskq_cmd(
        dir.path(),
        &[
            "sql",
            "SELECT value FROM range(1, 3000000)",
            "--format",
            "csv",
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let mut first = [0u8; 16];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{:?} {}", o.status, text(&o.stderr));
    assert!(!text(&o.stderr).contains("error"), "{}", text(&o.stderr));
}

#[test]
fn gen_is_deterministic_and_made_the_embedded_sample() {
    let dir = tempfile::tempdir().unwrap();
    let a = ok(&taskq(
        dir.path(),
        &["gen", "--tasks", "300", "--seed", "7"],
    ));
    let b = ok(&taskq(
        dir.path(),
        &["gen", "--tasks", "300", "--seed", "7"],
    ));
    assert_eq!(a, b);
    let sample =
        zstd::decode_all(&std::fs::read(repo().join("data/sample.jsonl.zst")).unwrap()[..])
            .unwrap();
    assert!(
        text(&sample) == a,
        "data/sample.jsonl.zst is not `taskq gen --tasks 300 --seed 7`: regenerate it"
    );
    let c = ok(&taskq(
        dir.path(),
        &["gen", "--tasks", "300", "--seed", "8"],
    ));
    assert_ne!(a, c);
    ok(&taskq(
        dir.path(),
        &["gen", "--tasks", "5", "--out", "g.jsonl.zst"],
    ));
    let g = zstd::decode_all(&std::fs::read(dir.path().join("g.jsonl.zst")).unwrap()[..]).unwrap();
    assert_eq!(text(&g).lines().count(), 5);
}

/// Every evaluation function against scipy, statsmodels, scikit-learn, krippendorff and choix,
/// on a generated corpus (tests/interop/check_analytics.py states the tolerances).
#[test]
fn analytics_match_the_python_reference_packages() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&taskq(
        d,
        &["gen", "--tasks", "3000", "--seed", "11", "--out", "c.jsonl"],
    ));
    ok(&taskq(d, &["ingest", "c.jsonl"]));
    let o = Command::new("python3")
        .arg(repo().join("tests/interop/check_analytics.py"))
        .arg(env!("CARGO_BIN_EXE_taskq"))
        .arg(d.join("taskq-data"))
        .current_dir(d)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "python analytics check failed (pip install numpy scipy statsmodels scikit-learn \
         krippendorff choix):\n{}\n{}",
        text(&o.stdout),
        text(&o.stderr)
    );
    assert!(
        text(&o.stdout).contains("analytics ok"),
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn interop_python_deltalake_pyarrow_duckdb_read_what_taskq_reports() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fixtures = repo().join("data/fixtures");
    ok(&taskq(d, &["ingest", fixtures.to_str().unwrap()]));
    // A re-ingest that replaces tasks: the Delta log now holds removed files a glob would read.
    ok(&taskq(
        d,
        &[
            "ingest",
            fixtures.to_str().unwrap(),
            fixture("task_completed_multithread.json").to_str().unwrap(),
        ],
    ));
    let mut expect = serde_json::Map::new();
    for t in taskq_core::Table::ALL {
        expect.insert(
            t.name().to_owned(),
            serde_json::json!(scalar(
                d,
                "taskq-data",
                &format!("SELECT count(*) FROM {t}")
            )),
        );
    }
    let labels = ok(&taskq(
        d,
        &[
            "sql",
            "SELECT key, value, count(*) AS n FROM annotations GROUP BY 1, 2",
            "--format",
            "json",
        ],
    ));
    let expected = serde_json::json!({"counts": expect, "labels": serde_json::from_str::<serde_json::Value>(&labels).unwrap()});
    std::fs::write(d.join("expected.json"), expected.to_string()).unwrap();
    let o = Command::new("python3")
        .arg(repo().join("tests/interop/check_interop.py"))
        .arg(d.join("taskq-data"))
        .arg(d.join("expected.json"))
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "python interop check failed (pip install deltalake pyarrow duckdb):\n{}\n{}",
        text(&o.stdout),
        text(&o.stderr)
    );
    assert!(
        text(&o.stdout).contains("interop ok"),
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn ingest_draws_progress_on_a_terminal_only() {
    let dir = tempfile::tempdir().unwrap();
    ok(&taskq(
        dir.path(),
        &["gen", "--tasks", "4000", "--out", "big.jsonl"],
    ));
    let o = taskq(dir.path(), &["ingest", "big.jsonl", "--dataset", "a"]);
    ok(&o);
    assert_eq!(
        text(&o.stderr),
        "",
        "nothing drawn when stderr is not a terminal"
    );

    // Under a pseudo-terminal (script(1)): bytes of the known total, and tasks per second.
    let shown = in_terminal(&taskq_cmd(
        dir.path(),
        &["ingest", "big.jsonl", "--dataset", "b"],
    ));
    assert!(
        shown.contains("tasks/s") && shown.contains(" MiB"),
        "{shown}"
    );
    assert_eq!(scalar(dir.path(), "b", "SELECT count(*) FROM tasks"), 4000);
}

/// A task with one turn: assistants as (slot, model), and the slot the annotator selected.
fn pairwise_task(id: &str, assistants: &[(&str, &str)], selected: &str) -> String {
    let messages: Vec<String> = assistants
        .iter()
        .map(|(slot, model)| {
            format!(
                r#"{{"role":"assistant","source_id":"{slot}","content":{{"text":"x"}},"model_parameters":{{"model":"{model}"}}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"task_id":"{id}","status":"completed","threads":[{{"turns":[{{"messages":[{}],"annotations":[{{"key":"selected_model_id","value":"{selected}"}}]}}]}}]}}"#,
        messages.join(",")
    ) + "\n"
}

#[test]
fn the_win_rate_query_counts_head_to_head_and_never_a_model_against_itself() {
    let dir = tempfile::tempdir().unwrap();
    let tasks = [
        // A self-match: the selection says nothing about m1.
        pairwise_task("t1", &[("model_a", "m1"), ("model_b", "m1")], "model_a"),
        pairwise_task("t2", &[("model_a", "m1"), ("model_b", "m2")], "model_b"),
        // m1 beats m2 and m3; m2 against m3 is not judged.
        pairwise_task(
            "t3",
            &[("model_a", "m1"), ("model_b", "m2"), ("model_c", "m3")],
            "model_a",
        ),
    ];
    std::fs::write(dir.path().join("pairs.jsonl"), tasks.concat()).unwrap();
    ok(&taskq(
        dir.path(),
        &["ingest", "pairs.jsonl", "--dataset", "d"],
    ));
    let query = repo().join("queries/win_rate_by_model.sql");
    let out = ok(&taskq(
        dir.path(),
        &[
            "sql",
            "--dataset",
            "d",
            "--file",
            query.to_str().unwrap(),
            "--format",
            "csv",
        ],
    ));
    assert_eq!(
        out,
        "model,comparisons,wins,win_rate\nm1,3,2,0.6667\nm2,2,1,0.5\nm3,1,0,0.0\n"
    );
    let o = taskq(dir.path(), &["sql", "--file", "missing.sql"]);
    assert!(
        text(&o.stderr).contains("reading missing.sql"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn one_allocator_serves_rust_and_c_with_the_settings_compiled_in() {
    // zstd's contexts are C allocations: with glibc serving them, an ingest faulted in some
    // 100,000 more fresh pages per GB. jemalloc answers to the unprefixed `MALLOC_CONF` only
    // when it is the process's `malloc`, and prints its compiled-in settings when asked.
    let dir = tempfile::tempdir().unwrap();
    let out = taskq_cmd(dir.path(), &["--version"])
        .env("MALLOC_CONF", "stats_print:true")
        .output()
        .unwrap();
    assert!(ok(&out).starts_with("taskq "));
    let stats = text(&out.stderr);
    assert!(
        stats.contains("opt.oversize_threshold: 0"),
        "jemalloc's statistics not printed, or the setting missing:\n{stats}"
    );
}
