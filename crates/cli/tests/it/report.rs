//! `taskq report`: the page over the built-in sample in a real browser, its filters, and what
//! it does with bad input.

use std::path::Path;
use std::process::Command;

use crate::common::{ok, repo, taskq, text};

/// The largest project of the built-in sample and a day inside its span.
const PROJECT: &str = "fb4f0bb6f02589485c2ef67f";
const SINCE: &str = "2025-06-01";

/// The browser check of tests/browser/check_report.py: every section has its charts laid out,
/// no console errors, nothing fetched. Its screenshots are kept in the target folder
/// (target/tmp/report-screenshots) to look at.
#[test]
fn the_report_renders_every_chart_in_headless_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&taskq(d, &["report", "--out", "r.html"]));
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-screenshots");
    let o = Command::new("python3")
        .arg(repo().join("tests/browser/check_report.py"))
        .arg(d.join("r.html"))
        .arg(&shots)
        .args(taskq_report::SECTIONS.iter().map(|s| s.id))
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "browser check failed (apt-get install chromium; pip install playwright):\n{}\n{}",
        text(&o.stdout),
        text(&o.stderr)
    );
    assert!(shots.join("report.png").exists());
}

/// Each section's table holds the rows its caption's command gives.
#[test]
fn the_report_filters_by_project_and_day_as_its_captions_say() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&taskq(
        d,
        &[
            "report",
            "-o",
            "r.html",
            "--project",
            PROJECT,
            "--since",
            SINCE,
        ],
    ));
    let page = std::fs::read_to_string(d.join("r.html")).unwrap();
    for s in taskq_report::SECTIONS {
        let command = format!(
            "taskq query {} -p project={PROJECT} -p since={SINCE}",
            s.query
        );
        assert!(page.contains(&command), "{}: no `{command}`", s.id);
        let ndjson = ok(&taskq(
            d,
            &[
                "query",
                s.query,
                "-p",
                &format!("project={PROJECT}"),
                "-p",
                &format!("since={SINCE}"),
                "--format",
                "ndjson",
            ],
        ));
        let rows = ndjson.lines().count();
        assert!(rows > 0, "{}: no rows", s.id);
        let section = section(&page, s.id);
        assert_eq!(
            section.matches("<tr>").count() - 1,
            rows.min(500),
            "{}",
            s.id
        );
    }
    // The filters leave out rows that the whole sample has.
    ok(&taskq(d, &["report", "-o", "all.html"]));
    let all = std::fs::read_to_string(d.join("all.html")).unwrap();
    let rows = |p: &str| section(p, "labels").matches("<tr>").count();
    assert!(
        rows(&all) > rows(&page),
        "{} !> {}",
        rows(&all),
        rows(&page)
    );
}

fn section<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page.find(&format!("<section id=\"{id}\"")).unwrap();
    let end = start + page[start..].find("</section>").unwrap();
    &page[start..end]
}

/// A typo in the project fails naming the projects there are, and leaves an earlier page be.
#[test]
fn the_report_refuses_an_unknown_project_or_day_and_keeps_the_old_page() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("report.html"), "earlier page").unwrap();
    let o = taskq(d, &["report", "--project", "fb4f0bb6"]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(err.contains("no tasks in project `fb4f0bb6`"), "{err}");
    assert!(err.contains(PROJECT), "{err}");
    assert_eq!(
        std::fs::read_to_string(d.join("report.html")).unwrap(),
        "earlier page"
    );
    let o = taskq(d, &["report", "--since", "2025-13-01"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("not a day as YYYY-MM-DD"));
    let o = taskq(d, &["report", "--out", "missing/r.html"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("missing: cannot write in this folder"));
    let left: Vec<_> = std::fs::read_dir(d).unwrap().collect();
    assert_eq!(left.len(), 1, "files left behind: {left:?}");
}
