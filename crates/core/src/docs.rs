//! The column reference in `docs/schema.md`, rendered from the declarations.

use crate::Table;

/// Markers around the generated part of `docs/schema.md`; the prose around it is written by hand.
pub const DOCS_BEGIN: &str =
    "<!-- BEGIN GENERATED: taskq-core schema; edit crates/core/src/schema.rs, not this -->";
pub const DOCS_END: &str = "<!-- END GENERATED -->";

/// Every table and column, with type, nullability and meaning, as Markdown.
pub fn schema_markdown() -> String {
    let mut out = String::new();
    for t in Table::ALL {
        out.push_str(&format!("\n### `{}`\n\n{}\n\n", t.name(), t.doc()));
        out.push_str("| column | type | null | meaning |\n| --- | --- | --- | --- |\n");
        for c in t.columns() {
            let null = if c.nullable { "yes" } else { "no" };
            let marks: Vec<&str> = [
                (c.dictionary, "dictionary"),
                (c.cluster, "clustered"),
                (!c.statistics, "no statistics"),
            ]
            .into_iter()
            .filter_map(|(on, mark)| on.then_some(mark))
            .collect();
            let encoding = if marks.is_empty() {
                String::new()
            } else {
                format!(" ({})", marks.join(", "))
            };
            out.push_str(&format!(
                "| `{}` | {}{encoding} | {null} | {} |\n",
                c.name(),
                c.ty.doc_name(),
                c.doc.replace('|', "\\|")
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/schema.md must say what the code declares. `UPDATE_DOCS=1` rewrites its generated part.
    #[test]
    fn docs_schema_md_matches_the_code() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/schema.md");
        let doc = std::fs::read_to_string(&path).unwrap();
        let (head, rest) = doc.split_once(DOCS_BEGIN).expect("begin marker");
        let (generated, tail) = rest.split_once(DOCS_END).expect("end marker");
        let want = format!("{}\n", schema_markdown());
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(&path, format!("{head}{DOCS_BEGIN}{want}{DOCS_END}{tail}")).unwrap();
            return;
        }
        assert!(
            generated == want,
            "docs/schema.md is out of date: run UPDATE_DOCS=1 cargo test -p taskq-core"
        );
    }
}
