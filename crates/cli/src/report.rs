//! What commands print for people.

use std::io::Write;
use std::path::Path;

use anyhow::Result;
use taskq_core::Table;
use taskq_ingest::IngestReport;

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
    writeln!(out, "  tasks written         {}", r.tasks_written)?;
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

pub(crate) fn tables(counts: &[(Table, u64)], out: &mut impl Write) -> Result<()> {
    writeln!(out, "{:<26} {:>12}  one row per", "table", "rows")?;
    for (t, n) in counts {
        writeln!(
            out,
            "{:<26} {n:>12}  {}",
            t.name(),
            t.doc()
                .trim_start_matches("One row per ")
                .trim_end_matches('.')
        )?;
    }
    Ok(())
}

pub(crate) fn schema(tables: &[Table], out: &mut impl Write) -> Result<()> {
    for (i, t) in tables.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(out, "{}: {}", t.name(), t.doc())?;
        for c in t.columns() {
            let null = if c.nullable { "" } else { " not null" };
            writeln!(out, "  {:<24} {}{null}", c.name(), c.ty.doc_name())?;
        }
    }
    Ok(())
}
