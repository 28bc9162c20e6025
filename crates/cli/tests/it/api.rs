//! `taskq fetch`, `sync` and `deliveries` against the local test server (never the internet).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use taskq_testserver::{Fault, TestServer};

use crate::common::{in_terminal, ok, taskq, taskq_cmd, text};

const KEY: &str = "live_k3y_do_not_print_9c41";

/// `taskq ARGS` with the API flags for `server` and an API key.
fn api_cmd(dir: &Path, server: &TestServer, args: &[&str]) -> Command {
    let mut c = taskq_cmd(dir, args);
    c.args(["--base-url", &server.url(), "--backoff-ms", "10"]);
    if !args.contains(&"--timeout") {
        c.args(["--timeout", "1"]);
    }
    c.env("SCALE_API_KEY", KEY);
    c
}

fn api(dir: &Path, server: &TestServer, args: &[&str]) -> Output {
    api_cmd(dir, server, args).output().unwrap()
}

/// Every row of every table, as sorted NDJSON lines per table: two datasets with equal dumps
/// hold exactly the same rows.
fn dump(dir: &Path, dataset: &str) -> Vec<(String, Vec<String>)> {
    let tables = ok(&taskq(
        dir,
        &["tables", "--dataset", dataset, "--format", "csv"],
    ));
    tables
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .map(|t| {
            let out = ok(&taskq(
                dir,
                &[
                    "sql",
                    &format!("SELECT * FROM {t}"),
                    "--format",
                    "ndjson",
                    "--dataset",
                    dataset,
                ],
            ));
            let mut rows: Vec<String> = out.lines().map(str::to_owned).collect();
            rows.sort();
            (t.to_owned(), rows)
        })
        .collect()
}

fn count(dir: &Path, dataset: &str, sql: &str) -> i64 {
    let out = ok(&taskq(
        dir,
        &["sql", sql, "--format", "csv", "--dataset", dataset],
    ));
    out.lines().nth(1).unwrap().trim().parse().unwrap()
}

/// Tasks the server served in requests `from..`.
fn served(server: &TestServer, from: usize) -> usize {
    server.log()[from..].iter().map(|r| r.tasks).sum()
}

#[test]
fn every_fault_ends_with_the_rows_of_the_fault_free_run() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "fetch",
        "--project",
        "Alpha Chat",
        "--batch-id",
        "batch_proj_beta_1",
        "--limit",
        "10",
    ];
    let server = TestServer::start(KEY, 150);
    let out = ok(&api(
        dir.path(),
        &server,
        &[&args[..], &["--dataset", "clean"]].concat(),
    ));
    assert!(out.contains("tasks read            75"), "{out}");
    let clean = dump(dir.path(), "clean");
    assert_eq!(count(dir.path(), "clean", "SELECT count(*) FROM tasks"), 75);

    // Three seconds: slower than the --timeout 1 these runs use.
    let faults = Fault::transient(Duration::from_secs(3));
    for (i, fault) in faults.iter().enumerate() {
        let server = TestServer::start(KEY, 150);
        for n in [2, 3, 6, 9] {
            server.fault_in(n, fault.clone());
        }
        let name = format!("faulty{i}");
        let o = api(
            dir.path(),
            &server,
            &[&args[..], &["--dataset", &name, "--concurrency", "1"]].concat(),
        );
        let out = ok(&o);
        match fault {
            // Only requests that carry a token can repeat it.
            Fault::RepeatToken => assert!(!out.contains("(0 retries)"), "{out}"),
            Fault::EmptyPage => assert!(out.contains("(0 retries)"), "{out}"),
            _ => assert!(out.contains("(4 retries)"), "{fault:?}: {out}"),
        }
        assert_eq!(dump(dir.path(), &name), clean, "{fault:?}");
    }
}

#[test]
fn refusals_fail_fast_and_the_key_is_never_shown() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(KEY, 60);
    let key_file = dir.path().join("key.txt");
    std::fs::write(&key_file, format!("{KEY}\n")).unwrap();
    let mut outputs = Vec::new();

    // The key from a file, raw pages kept, two sources at once under a rate limit.
    let o = api_cmd(
        dir.path(),
        &server,
        &[
            "fetch",
            "--project",
            "Alpha Chat",
            "--project-id",
            "proj_gamma",
            "--limit",
            "7",
            "--api-key-file",
            key_file.to_str().unwrap(),
            "--save-raw",
            "raw",
            "--max-rps",
            "50",
            "--dataset",
            "ds",
        ],
    )
    .env_remove("SCALE_API_KEY")
    .output()
    .unwrap();
    ok(&o);
    outputs.push(o);
    assert_eq!(count(dir.path(), "ds", "SELECT count(*) FROM tasks"), 40);

    // A wrong key: one request, the server's own message, exit 1, nothing committed.
    let before = server.log().len();
    let o = api_cmd(
        dir.path(),
        &server,
        &["fetch", "--project", "Alpha Chat", "--dataset", "ds"],
    )
    .env("SCALE_API_KEY", "live_wrong_key_77")
    .output()
    .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(
        err.contains("HTTP 401: Unauthorized: the API key is missing or invalid"),
        "{err}"
    );
    assert!(
        !err.contains("live_wrong_key_77") && !err.contains("panicked"),
        "{err}"
    );
    assert_eq!(server.log().len(), before + 1, "a 401 is not retried");
    outputs.push(o);

    // A 404 and a 400 fail at once too, with the server's text.
    let o = api(
        dir.path(),
        &server,
        &["fetch", "--task-id", "nope", "--dataset", "ds"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("HTTP 404: Task nope not found"),
        "{}",
        text(&o.stderr)
    );
    outputs.push(o);
    let o = api(
        dir.path(),
        &server,
        &[
            "fetch",
            "--project",
            "Alpha Chat",
            "--completed-after",
            "yesterday",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "clap refuses a bad time");
    outputs.push(o);
    assert_eq!(count(dir.path(), "ds", "SELECT count(*) FROM tasks"), 40);

    // A sync and a deliveries listing, for their outputs too.
    outputs.push(api(
        dir.path(),
        &server,
        &["sync", "--project", "Alpha Chat", "--dataset", "ds"],
    ));
    outputs.push(api(
        dir.path(),
        &server,
        &["deliveries", "--project", "Alpha Chat"],
    ));

    for o in &outputs {
        assert!(!text(&o.stdout).contains(KEY) && !text(&o.stderr).contains(KEY));
    }
    for file in files(dir.path()) {
        if file == key_file {
            continue;
        }
        let mut bytes = std::fs::read(&file).unwrap();
        if file.extension().is_some_and(|e| e == "zst") {
            bytes = zstd::decode_all(&bytes[..]).unwrap();
        }
        let needle = KEY.as_bytes();
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "the key is in {}",
            file.display()
        );
    }

    // The raw pages replay to the same rows.
    ok(&taskq(
        dir.path(),
        &["ingest", "raw", "--dataset", "replay"],
    ));
    let fetched_again = {
        let server = TestServer::start(KEY, 60);
        ok(&api(
            dir.path(),
            &server,
            &[
                "fetch",
                "--project",
                "Alpha Chat",
                "--project-id",
                "proj_gamma",
                "--dataset",
                "again",
            ],
        ));
        dump(dir.path(), "again")
    };
    assert_eq!(dump(dir.path(), "replay"), fetched_again);
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn deliveries_and_single_tasks() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(KEY, 60);
    let list = ok(&api(
        dir.path(),
        &server,
        &["deliveries", "--project", "Beta Code", "--format", "csv"],
    ));
    let rows: Vec<&str> = list.lines().collect();
    assert_eq!(rows[0], "id,name,task_count,delivered_at,project");
    assert_eq!(
        rows[1],
        "del_proj_beta_1,2025-06-06 weekly,10,2025-06-06T18:00:00Z,Beta Code"
    );
    assert_eq!(rows.len(), 3);

    ok(&api(
        dir.path(),
        &server,
        &[
            "fetch",
            "--delivery",
            "2025-06-06 weekly",
            "--project",
            "Beta Code",
            "--limit",
            "3",
            "--expand",
            "delivery",
            "--dataset",
            "ds",
        ],
    ));
    assert_eq!(
        count(
            dir.path(),
            "ds",
            "SELECT count(*) FROM tasks WHERE delivery_id = 'del_proj_beta_1'"
        ),
        10
    );
    let id = server.task_ids()[0].clone();
    ok(&api(
        dir.path(),
        &server,
        &["fetch", "--task-id", &id, "--dataset", "ds"],
    ));
    assert_eq!(
        count(
            dir.path(),
            "ds",
            &format!("SELECT count(*) FROM tasks WHERE task_id = '{id}'")
        ),
        1
    );
    let o = api(
        dir.path(),
        &server,
        &["fetch", "--delivery", "x", "--batch", "b"],
    );
    assert!(text(&o.stderr).contains("--delivery NAME needs exactly one --project"));
}

/// Tasks of `project` a `completed_at` window can see.
fn completed(server: &TestServer, project: &str) -> i64 {
    server
        .task_ids()
        .iter()
        .filter_map(|id| server.task(id))
        .filter(|t| t["project"] == project && t["completed_at"].is_string())
        .count() as i64
}

/// Regression: a first sync killed before its first commit leaves `_taskq/` without a manifest;
/// the next sync must start from scratch, not fail with "no taskq dataset here".
#[test]
fn a_sync_starts_over_a_dataset_that_never_completed_a_run() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(KEY, 30);
    std::fs::create_dir_all(dir.path().join("ds/_taskq")).unwrap();
    sync_alpha(dir.path(), &server, "ds", "5");
    assert_eq!(
        count(dir.path(), "ds", "SELECT count(*) FROM tasks"),
        completed(&server, "proj_alpha")
    );
}

#[test]
fn sync_twice_fetches_only_what_is_new() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(KEY, 120);
    let out = sync_alpha(dir.path(), &server, "ds", "9");
    assert!(
        out.contains("sync project_name=Alpha Chat: complete up to"),
        "{out}"
    );
    let first = completed(&server, "proj_alpha");
    assert_eq!(count(dir.path(), "ds", "SELECT count(*) FROM tasks"), first);
    let sent = &server.log()[0];
    assert!(sent.values("status").is_empty());
    assert!(
        sent.values("completed_after").is_empty() && sent.values("completed_before").len() == 1
    );

    let added = server.add_completed(4, chrono::Utc::now());
    std::thread::sleep(Duration::from_millis(20));
    let before = server.log().len();
    sync_alpha(dir.path(), &server, "ds", "9");
    assert_eq!(
        served(&server, before),
        added.len(),
        "only the new tasks are fetched"
    );
    assert_eq!(
        count(dir.path(), "ds", "SELECT count(*) FROM tasks"),
        first + 4
    );
    // The window starts an overlap before the previous run started.
    let after = &server.log()[before].values("completed_after")[0].to_owned();
    let after = chrono::DateTime::parse_from_rfc3339(after).unwrap();
    assert!(chrono::Utc::now() - after.with_timezone(&chrono::Utc) > chrono::Duration::minutes(59));

    // Pending tasks are out of a completed_at window's reach until asked for.
    let pending = count(
        dir.path(),
        "ds",
        "SELECT count(*) FROM tasks WHERE status = 'pending'",
    );
    assert_eq!(pending, 0);
    ok(&api(
        dir.path(),
        &server,
        &[
            "sync",
            "--project",
            "Alpha Chat",
            "--include-pending",
            "--dataset",
            "ds",
        ],
    ));
    let on_server = server
        .task_ids()
        .iter()
        .filter_map(|id| server.task(id))
        .filter(|t| t["project"] == "proj_alpha" && t["status"] == "pending")
        .count() as i64;
    assert!(on_server > 0);
    assert_eq!(
        count(
            dir.path(),
            "ds",
            "SELECT count(*) FROM tasks WHERE status = 'pending'"
        ),
        on_server
    );
}

/// Runs a sync that the server stalls on its `hang_at`th request, and kills it there.
fn killed_sync(dir: &Path, server: &TestServer, dataset: &str, hang_at: usize) {
    server.fault_in(hang_at, Fault::Hang);
    let before = server.log().len();
    let mut child = api_cmd(
        dir,
        server,
        &[
            "sync",
            "--project",
            "Alpha Chat",
            "--limit",
            "5",
            "--checkpoint-pages",
            "2",
            "--concurrency",
            "1",
            "--timeout",
            "600",
            "--dataset",
            dataset,
        ],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let started = Instant::now();
    while server.log().len() < before + hang_at {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the sync never reached the stall"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Let the writer finish with the pages before the stall (their commit is what resumes).
    std::thread::sleep(Duration::from_millis(1500));
    child.kill().unwrap();
    child.wait().unwrap();
}

/// `taskq sync --project "Alpha Chat"` in pages of `limit`, to completion; its stdout.
fn sync_alpha(dir: &Path, server: &TestServer, dataset: &str, limit: &str) -> String {
    let args = [
        "sync",
        "--project",
        "Alpha Chat",
        "--limit",
        limit,
        "--dataset",
        dataset,
    ];
    ok(&api(dir, server, &args))
}

fn saved_token(dir: &Path, dataset: &str) -> Option<String> {
    let manifest = std::fs::read_to_string(dir.join(dataset).join("_taskq/manifest.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    v["state"]["sync/project_name=Alpha Chat"]["token"]
        .as_str()
        .map(str::to_owned)
}

#[test]
fn a_killed_sync_resumes_and_ends_like_an_uninterrupted_one() {
    let dir = tempfile::tempdir().unwrap();
    let reference = {
        let server = TestServer::start(KEY, 120);
        sync_alpha(dir.path(), &server, "whole", "5");
        dump(dir.path(), "whole")
    };

    // Killed while waiting for page 6: pages 1-4 were committed with the token of page 5.
    let server = TestServer::start(KEY, 120);
    killed_sync(dir.path(), &server, "resumed", 6);
    let token = saved_token(dir.path(), "resumed").expect("a checkpoint was committed");
    assert_eq!(server.log()[4].values("next_token"), [token.as_str()]);
    assert_eq!(
        count(dir.path(), "resumed", "SELECT count(*) FROM tasks"),
        20
    );
    let before = server.log().len();
    sync_alpha(dir.path(), &server, "resumed", "5");
    assert_eq!(
        server.log()[before].values("next_token"),
        [token.as_str()],
        "resumed at the checkpoint"
    );
    assert_eq!(
        server.log()[before].values("completed_before"),
        server.log()[0].values("completed_before"),
        "inside the same window"
    );
    assert_eq!(saved_token(dir.path(), "resumed"), None);
    assert_eq!(dump(dir.path(), "resumed"), reference);

    // Killed again, and the saved token has expired by the rerun: the window starts over.
    let server = TestServer::start(KEY, 120);
    killed_sync(dir.path(), &server, "restarted", 6);
    assert!(saved_token(dir.path(), "restarted").is_some());
    server.expire_tokens();
    let before = server.log().len();
    sync_alpha(dir.path(), &server, "restarted", "5");
    let log = server.log();
    assert_eq!(log[before].status, 400);
    assert!(
        log[before + 1].values("next_token").is_empty(),
        "the window starts over"
    );
    assert_eq!(dump(dir.path(), "restarted"), reference);
}

#[test]
fn progress_is_drawn_on_a_terminal_only() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(KEY, 60);
    let o = api(
        dir.path(),
        &server,
        &[
            "fetch",
            "--project",
            "Alpha Chat",
            "--limit",
            "5",
            "--dataset",
            "a",
        ],
    );
    ok(&o);
    assert_eq!(
        text(&o.stderr),
        "",
        "nothing drawn when stderr is not a terminal"
    );

    // Under a pseudo-terminal (script(1)), with a slow page so that the line is drawn.
    server.fault_in(2, Fault::Slow(Duration::from_millis(1500)));
    let cmd = api_cmd(
        dir.path(),
        &server,
        &[
            "fetch",
            "--project",
            "Alpha Chat",
            "--limit",
            "5",
            "--timeout",
            "10",
            "--dataset",
            "b",
        ],
    );
    let shown = in_terminal(&cmd);
    assert!(
        shown.contains(" pages, ") && shown.contains(" retries"),
        "{shown}"
    );
    assert!(!shown.contains(KEY));
}
