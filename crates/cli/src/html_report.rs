//! `taskq report`: runs the report's named queries with the filters given and writes the page.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use taskq_query::{Params, Session};
use taskq_report::{Page, SECTIONS, SectionRows};

/// What `taskq report` was asked for.
#[derive(Debug)]
pub(crate) struct ReportArgs {
    pub out: PathBuf,
    pub project: Option<String>,
    pub since: Option<NaiveDate>,
    /// Where the rows come from, as the page names it.
    pub dataset: String,
}

/// Runs every section's query, renders the page and writes it to `args.out` whole: a run that
/// fails or is stopped leaves no half page, and an earlier page stays as it was.
pub(crate) async fn write(session: &Session, args: &ReportArgs) -> Result<()> {
    if let Some(p) = &args.project {
        check_project(session, p).await?;
    }
    let mut given = Vec::new();
    if let Some(p) = &args.project {
        given.push((String::from("project"), p.clone()));
    }
    if let Some(d) = &args.since {
        given.push((String::from("since"), d.to_string()));
    }
    let command_args: String = given
        .iter()
        .map(|(k, v)| format!(" -p {k}={}", shell_word(v)))
        .collect();
    let mut sections = Vec::with_capacity(SECTIONS.len());
    for s in SECTIONS {
        let query = taskq_query::named_query(s.query)?;
        let params: Params = query.bind(&given)?;
        let result = session
            .sql_with_params(query.sql, &params)
            .await
            .with_context(|| format!("the report's query {}", s.query))?;
        sections.push(SectionRows {
            section: s,
            description: query.description.clone(),
            command: format!("taskq query {}{command_args}", s.query),
            sql: query.sql.to_owned(),
            batches: result.batches,
        });
    }
    let facts = vec![
        (String::from("Dataset"), args.dataset.clone()),
        (
            String::from("Project"),
            args.project
                .clone()
                .unwrap_or_else(|| String::from("every project")),
        ),
        (
            String::from("Tasks completed"),
            args.since
                .map(|d| format!("on or after {d}"))
                .unwrap_or_else(|| String::from("any day")),
        ),
        (
            String::from("Made"),
            format!(
                "{} by taskq {}",
                chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
                env!("CARGO_PKG_VERSION")
            ),
        ),
    ];
    let page = Page {
        title: String::from("taskq report"),
        facts,
    };
    let html = taskq_report::render(&page, &sections)?;
    write_whole(&args.out, html.as_bytes())
}

/// An unknown project would give a page of empty charts: refuse it, naming the ones there are.
async fn check_project(session: &Session, project: &str) -> Result<()> {
    let known = session
        .sql("SELECT DISTINCT project_id FROM tasks WHERE project_id IS NOT NULL ORDER BY 1")
        .await?;
    let mut ids = Vec::new();
    for b in &known.batches {
        let col = arrow::compute::cast(b.column(0), &arrow::datatypes::DataType::Utf8)?;
        let col = arrow::array::AsArray::as_string::<i32>(&col);
        ids.extend(col.iter().flatten().map(str::to_owned));
    }
    if !ids.iter().any(|id| id == project) {
        bail!(
            "no tasks in project `{project}`; the dataset's projects are: {}",
            if ids.is_empty() {
                String::from("(none)")
            } else {
                ids.join(", ")
            }
        );
    }
    Ok(())
}

/// `s` as one shell word, for the commands the captions show.
fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:/@+".contains(c))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Writes a file beside `path` and renames it over `path`.
fn write_whole(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("{}: cannot write in this folder", dir.display()))?;
    // A temporary file is private to its owner; a report is for sharing, as any new file is.
    let readable = std::os::unix::fs::PermissionsExt::from_mode(0o644);
    tmp.write_all(bytes)
        .and_then(|()| tmp.flush())
        .and_then(|()| tmp.as_file().set_permissions(readable))
        .with_context(|| format!("writing {}", path.display()))?;
    tmp.persist(path)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::shell_word;

    /// The page binds `project` and `since` to every section's query: each must take both.
    #[test]
    fn every_section_is_a_named_query_with_project_and_since() {
        for s in taskq_report::SECTIONS {
            let q = taskq_query::named_query(s.query).expect("a named query");
            for p in ["project", "since"] {
                assert!(
                    q.params.iter().any(|x| x.name == p),
                    "{} takes no `{p}`",
                    s.query
                );
            }
        }
    }

    #[test]
    fn caption_commands_quote_what_the_shell_would_split() {
        assert_eq!(shell_word("proj_1"), "proj_1");
        assert_eq!(shell_word("my project"), "'my project'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word(""), "''");
    }
}
