//! The interactive shell: `taskq sql` with no query, on a terminal. Statements end at a `;` and
//! may span lines; lines starting with `.` are the shell's own commands (`.help`).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use rustyline::DefaultEditor;
use rustyline::error::ReadlineError;
use taskq_query::{Format, Output, Session};
use taskq_store::Dataset;

use crate::report;

const HELP: &str = "\
Statements end with `;` and may span lines. Ctrl-C stops a running query or clears the input;
Ctrl-D (or .quit) leaves.
  .tables            the tables and their row counts
  .schema [TABLE]    columns, types and meanings, of every table and view or one
  .format [FORMAT]   show or set the output format: table, csv, json, ndjson
  .maxrows [N]       show or set the rows a table shows at most (0: all)
  .help              this text
  .quit              leave the shell";

/// What the shell runs against and how it starts out.
pub(crate) struct Shell {
    pub(crate) session: Session,
    pub(crate) dataset: Dataset,
    pub(crate) output: Output,
    /// Where statements are remembered between sessions, if anywhere.
    pub(crate) history: Option<PathBuf>,
}

/// What a line of input asks for.
#[derive(Debug, PartialEq)]
enum Input {
    /// Not a whole statement yet.
    More,
    Statement(String),
    Command(String),
}

/// Adds `line` to the statement being typed in `pending` and says whether it is complete: a
/// statement is complete when its last line ends with `;`. A line starting with `.` when no
/// statement is pending is a shell command.
fn take(pending: &mut String, line: &str) -> Input {
    let trimmed = line.trim();
    if pending.is_empty() && trimmed.starts_with('.') {
        return Input::Command(trimmed.to_owned());
    }
    if pending.is_empty() && trimmed.is_empty() {
        return Input::More;
    }
    if !pending.is_empty() {
        pending.push('\n');
    }
    pending.push_str(line);
    if trimmed.ends_with(';') {
        Input::Statement(std::mem::take(pending))
    } else {
        Input::More
    }
}

impl Shell {
    pub(crate) async fn run(mut self) -> Result<()> {
        let mut editor = DefaultEditor::new()?;
        if let Some(path) = &self.history {
            // A first session has no history file yet.
            let _ = editor.load_history(path);
        }
        println!(
            "taskq {}: SQL over the dataset's tables; .help for help",
            env!("CARGO_PKG_VERSION")
        );
        let mut pending = String::new();
        loop {
            let prompt = if pending.is_empty() {
                "taskq> "
            } else {
                "   ...> "
            };
            let line = match editor.readline(prompt) {
                Ok(line) => line,
                Err(ReadlineError::Interrupted) => {
                    pending.clear();
                    continue;
                }
                Err(ReadlineError::Eof) => break,
                Err(e) => return Err(e.into()),
            };
            match take(&mut pending, &line) {
                Input::More => {}
                Input::Command(command) => {
                    editor.add_history_entry(&command)?;
                    if !self.command(&command).await {
                        break;
                    }
                }
                Input::Statement(sql) => {
                    editor.add_history_entry(&sql)?;
                    self.statement(&sql).await;
                }
            }
            if let Some(path) = &self.history {
                // Saved as it grows: a shell that is killed keeps what was typed.
                if let Err(e) = editor.save_history(path) {
                    eprintln!(
                        "taskq: warning: history not saved to {}: {e}",
                        path.display()
                    );
                    self.history = None;
                }
            }
        }
        Ok(())
    }

    /// Runs one statement; Ctrl-C stops it and the shell goes on.
    async fn statement(&self, sql: &str) {
        let out = std::io::BufWriter::new(std::io::stdout());
        tokio::select! {
            done = self.session.sql_to(sql, &self.output, out) => match done {
                Ok(()) => {}
                Err(e) if e.is_broken_pipe() => {}
                Err(e) => eprintln!("error: {e}"),
            },
            _ = tokio::signal::ctrl_c() => eprintln!("interrupted"),
        }
    }

    /// Runs a shell command; false when it asks to leave.
    async fn command(&mut self, command: &str) -> bool {
        let mut words = command.split_whitespace();
        let name = words.next().unwrap_or_default();
        let arg = words.next();
        let out = std::io::stdout;
        let done: Result<()> = match (name, arg) {
            (".quit" | ".exit", _) => return false,
            (".help", _) => writeln!(out(), "{HELP}").map_err(Into::into),
            (".tables", _) => match self.dataset.row_counts().await {
                Ok(counts) => report::tables(&counts, Format::Table, &mut out()),
                Err(e) => Err(e.into()),
            },
            (".schema", name) => report::schema(name, &mut out()),
            (".format", None) => {
                writeln!(out(), "{}", self.output.format.name()).map_err(Into::into)
            }
            (".format", Some(name)) => match Format::from_name(name) {
                Some(Format::Parquet) | None => Err(anyhow::anyhow!(
                    "`{name}` is not a format here: table, csv, json or ndjson"
                )),
                Some(f) => {
                    self.output.format = f;
                    Ok(())
                }
            },
            (".maxrows", None) => {
                writeln!(out(), "{}", self.output.table.max_rows).map_err(Into::into)
            }
            (".maxrows", Some(n)) => match n.parse() {
                Ok(n) => {
                    self.output.table.max_rows = n;
                    Ok(())
                }
                Err(_) => Err(anyhow::anyhow!("`{n}` is not a number of rows")),
            },
            _ => Err(anyhow::anyhow!(
                "unknown command `{name}`; .help lists them"
            )),
        };
        if let Err(e) = done {
            eprintln!("error: {e}");
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_end_at_a_semicolon_and_may_span_lines() {
        let mut pending = String::new();
        assert_eq!(take(&mut pending, "SELECT 1"), Input::More);
        assert_eq!(
            take(&mut pending, "  , 2;"),
            Input::Statement("SELECT 1\n  , 2;".into())
        );
        assert_eq!(take(&mut pending, ""), Input::More);
        assert_eq!(
            take(&mut pending, " .tables "),
            Input::Command(".tables".into())
        );
        // Inside a statement, a line starting with `.` is part of it.
        assert_eq!(take(&mut pending, "SELECT a"), Input::More);
        assert_eq!(
            take(&mut pending, ".5 AS x;"),
            Input::Statement("SELECT a\n.5 AS x;".into())
        );
    }
}
