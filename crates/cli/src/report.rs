//! What commands print for people.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use anyhow::Result;
use arrow::array::{ArrayRef, StringArray, UInt64Array};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use taskq_core::Table;
use taskq_ingest::IngestReport;
use taskq_query::{Format, Function, NamedQuery, QueryResult};

pub(crate) fn ingest(r: &IngestReport, root: &Path, out: &mut impl Write) -> Result<()> {
    writeln!(out, "ingested into {} (run {})", root.display(), r.run_id)?;
    if r.files > 0 {
        writeln!(out, "  files read            {}", r.files)?;
    }
    if r.files_skipped > 0 {
        writeln!(
            out,
            "  files skipped         {} (not task JSON, named on stderr)",
            r.files_skipped
        )?;
    }
    writeln!(out, "  tasks read            {}", r.tasks_read)?;
    if r.tasks_repeated > 0 {
        writeln!(
            out,
            "  tasks written         {} ({} repeats replaced by their later copy)",
            r.tasks_written, r.tasks_repeated
        )?;
    } else {
        writeln!(out, "  tasks written         {}", r.tasks_written)?;
    }
    writeln!(out, "  records quarantined   {}", r.quarantined)?;
    writeln!(out, "  fields in extra_json  {}", r.extra_fields)?;
    writeln!(out, "  rows written per table:")?;
    for (t, n) in &r.rows {
        let replaced = r
            .replaced
            .iter()
            .find(|(rt, _)| rt == t)
            .map(|(_, n)| *n)
            .unwrap_or(0);
        if replaced > 0 {
            writeln!(
                out,
                "    {:<26} {n:>10}   ({replaced} earlier rows replaced)",
                t.name()
            )?;
        } else {
            writeln!(out, "    {:<26} {n:>10}", t.name())?;
        }
    }
    if r.quarantined > 0 {
        writeln!(
            out,
            "quarantined records (kept in {}):",
            root.join("_taskq/quarantine")
                .join(format!("{}.jsonl", r.run_id))
                .display()
        )?;
        for q in &r.quarantine_sample {
            let element = q
                .element
                .map(|e| format!(", task {e} of the envelope"))
                .unwrap_or_default();
            writeln!(
                out,
                "  {}:{} (byte {}{element}): {}",
                q.source, q.line, q.offset, q.reason
            )?;
        }
        if r.quarantined > r.quarantine_sample.len() as u64 {
            writeln!(
                out,
                "  ... and {} more",
                r.quarantined - r.quarantine_sample.len() as u64
            )?;
        }
    }
    Ok(())
}

/// Things worth saying that did not stop a run, on stderr.
pub(crate) fn warnings(warnings: &[String]) {
    for w in warnings {
        eprintln!("taskq: warning: {w}");
    }
}

/// Each table with its row count and what a row is, in `format`.
pub(crate) fn tables(
    counts: &[(Table, u64)],
    format: Format,
    out: &mut (impl Write + Send),
) -> Result<()> {
    let fields = vec![
        Field::new("table", DataType::Utf8, false),
        Field::new("rows", DataType::UInt64, false),
        Field::new("one_row_per", DataType::Utf8, false),
    ];
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(
            counts.iter().map(|(t, _)| t.name()),
        )),
        Arc::new(UInt64Array::from_iter_values(
            counts.iter().map(|(_, n)| *n),
        )),
        Arc::new(StringArray::from_iter_values(counts.iter().map(
            |(t, _)| {
                t.doc()
                    .trim_start_matches("One row per ")
                    .trim_end_matches('.')
            },
        ))),
    ];
    rows(fields, columns, format, out)
}

/// Columns made here (a listing, not a query's result) written as `format` says, as query
/// results are.
pub(crate) fn rows(
    fields: Vec<Field>,
    columns: Vec<ArrayRef>,
    format: Format,
    out: &mut (impl Write + Send),
) -> Result<()> {
    let schema = Arc::new(Schema::new(fields));
    let result = QueryResult {
        schema: schema.clone(),
        batches: vec![RecordBatch::try_new(schema, columns)?],
    };
    result.write(&format.into(), out)?;
    Ok(())
}

/// Each table's columns: name, type, whether it may be null, and meaning, as docs/schema.md
/// gives them.
/// The columns of every table and view, or of the one named.
pub(crate) fn schema(name: Option<&str>, out: &mut impl Write) -> Result<()> {
    let (tables, views) = match name {
        None => (Table::ALL.to_vec(), taskq_query::views().to_vec()),
        Some(name) => match (Table::from_name(name), taskq_query::view(name)) {
            (Some(t), _) => (vec![t], vec![]),
            (None, Some(v)) => (vec![], vec![v]),
            (None, None) => {
                let tables: Vec<_> = Table::ALL.iter().map(|t| t.name()).collect();
                let views: Vec<_> = taskq_query::views().iter().map(|v| v.name).collect();
                anyhow::bail!(
                    "no table or view `{name}`; the tables are: {}; the views: {}",
                    tables.join(", "),
                    views.join(", ")
                )
            }
        },
    };
    let mut first = true;
    let mut gap = |out: &mut dyn Write| -> std::io::Result<()> {
        if !std::mem::take(&mut first) {
            writeln!(out)?;
        }
        Ok(())
    };
    for t in &tables {
        gap(out)?;
        writeln!(out, "{}: {}", t.name(), t.doc())?;
        for c in t.columns() {
            let null = if c.nullable { "" } else { " not null" };
            let ty = format!("{}{null}", c.ty.doc_name());
            writeln!(out, "  {:<24} {ty:<18} {}", c.name(), c.doc)?;
        }
    }
    for v in &views {
        gap(out)?;
        writeln!(out, "{} (view): {}", v.name, v.doc)?;
        for c in &v.columns {
            writeln!(out, "  {:<24} {:<18} {}", c.name, c.type_name(), c.doc)?;
        }
    }
    Ok(())
}

/// A line for each of taskq's functions: name, kind, and the first sentence of its description.
pub(crate) fn functions(all: &[Function], out: &mut impl Write) -> Result<()> {
    let width = all.iter().map(|f| f.name.len()).max().unwrap_or(0);
    for f in all {
        writeln!(out, "{:<width$}  {:<9}  {}", f.name, f.kind, f.summary())?;
    }
    writeln!(
        out,
        "\n`taskq functions NAME` shows one: its arguments and an example."
    )?;
    Ok(())
}

/// One function whole: syntax, description, arguments and an example query.
pub(crate) fn function(f: &Function, out: &mut impl Write) -> Result<()> {
    let article = if f.kind == "aggregate" { "An" } else { "A" };
    writeln!(
        out,
        "{}\n\n{article} {} function. {}\n",
        f.syntax, f.kind, f.description
    )?;
    let width = f.arguments.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    for (name, meaning) in &f.arguments {
        writeln!(out, "  {name:<width$}  {meaning}")?;
    }
    writeln!(out, "\nExample:\n\n{}", f.example)?;
    Ok(())
}

/// The named queries: each one's name and description, and its parameters with their defaults.
pub(crate) fn named_queries(all: &[NamedQuery], out: &mut impl Write) -> Result<()> {
    for q in all {
        writeln!(out, "{}\n  {}", q.name, q.description)?;
        for p in &q.params {
            writeln!(
                out,
                "  --param {}=…  ({}, default {}) {}",
                p.name,
                p.ty.name(),
                p.default,
                p.doc
            )?;
        }
    }
    writeln!(
        out,
        "\nRun one with `taskq query NAME [--param NAME=VALUE ...]`; `--show` prints its SQL."
    )?;
    Ok(())
}
