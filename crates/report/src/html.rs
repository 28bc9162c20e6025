//! The page: a heading, a contents list, then each section's charts, caption and rows.

use std::fmt::Write;

use arrow::record_batch::RecordBatch;
use arrow::util::display::{ArrayFormatter, FormatOptions};

use crate::ReportError;
use crate::chart::{self, Colors};
use crate::data::Rows;
use crate::sections::Section;

/// Rows shown in a section's table; the rest are counted and the command that gives them all
/// is in the caption.
pub const MAX_TABLE_ROWS: usize = 500;

/// What the page says about itself above the charts.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub title: String,
    /// Lines such as the dataset, the filters and when the report was made, as label and text.
    pub facts: Vec<(String, String)>,
}

/// One section's query and its rows.
#[derive(Debug, Clone)]
pub struct SectionRows {
    pub section: &'static Section,
    /// What the query answers (its header's description).
    pub description: String,
    /// The command that gives the same rows, for the caption.
    pub command: String,
    pub sql: String,
    pub batches: Vec<RecordBatch>,
}

impl SectionRows {
    fn rows(&self) -> Rows<'_> {
        Rows {
            query: self.section.query,
            batches: &self.batches,
        }
    }
}

const STYLE: &str = "
body { font-family: sans-serif; margin: 2em auto; max-width: 1000px; color: #222; }
h1 { margin-bottom: 0.2em; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
dl.facts dt { font-weight: bold; }
dl.facts dd { margin: 0; }
section { margin-top: 3em; }
figure { margin: 1em 0; }
figure svg { max-width: 100%; height: auto; }
figcaption, section > p { color: #444; font-size: 0.95em; }
p.note { border-left: 3px solid #e15759; padding-left: 0.6em; }
code, pre { background: #f4f4f4; }
pre { padding: 0.6em; overflow-x: auto; font-size: 0.85em; }
table { border-collapse: collapse; font-size: 0.85em; margin-top: 0.5em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: left; }
th { background: #f0f0f0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
";

/// The whole page.
pub fn render(page: &Page, sections: &[SectionRows]) -> Result<String, ReportError> {
    let names = sections
        .iter()
        .map(|s| chart::colored_names(&s.section.chart, s.rows()))
        .collect::<Result<_, _>>()?;
    let colors = Colors::new(names);
    let title = if page.title.is_empty() {
        "taskq report"
    } else {
        &page.title
    };
    let mut h = String::new();
    // Writing into a String cannot fail.
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{t}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{t}</h1>\n",
        t = escape(title)
    );
    if !page.facts.is_empty() {
        h.push_str("<dl class=\"facts\">\n");
        for (k, v) in &page.facts {
            let _ = writeln!(h, "<dt>{}</dt><dd>{}</dd>", escape(k), escape(v));
        }
        h.push_str("</dl>\n");
    }
    h.push_str("<nav><ol>\n");
    for s in sections {
        let _ = writeln!(
            h,
            "<li><a href=\"#{}\">{}</a></li>",
            s.section.id,
            escape(s.section.title)
        );
    }
    h.push_str("</ol></nav>\n");
    for s in sections {
        section(&mut h, s, &colors)?;
    }
    h.push_str("</body>\n</html>\n");
    Ok(h)
}

fn section(h: &mut String, s: &SectionRows, colors: &Colors) -> Result<(), ReportError> {
    let sec = s.section;
    let rows = s.rows();
    let _ = writeln!(
        h,
        "<section id=\"{}\" data-query=\"{}\">\n<h2>{}</h2>",
        sec.id,
        escape(sec.query),
        escape(sec.title)
    );
    // A figure's caption; a section with no figure shows it as a paragraph.
    let caption = format!(
        "{} Rows from <code>{}</code>.",
        escape(&s.description),
        escape(&s.command)
    );
    if rows.len() == 0 {
        let _ = writeln!(
            h,
            "<p class=\"empty\">No rows: the dataset, within the filters, has nothing for this \
             chart.</p>\n<p>{caption}</p>"
        );
    } else {
        let kept;
        let rows = match sec.only {
            Some((column, value)) => {
                kept = rows.only(column, value)?;
                let _ = writeln!(
                    h,
                    "<p>The chart draws the rows whose <code>{}</code> is <code>{}</code>; \
                     the table below has every row.</p>",
                    escape(column),
                    escape(value)
                );
                Rows {
                    query: sec.query,
                    batches: &kept,
                }
            }
            None => rows,
        };
        let drawn = chart::draw(sec, rows, colors)?;
        for f in &drawn.figures {
            // A chart per facet is headed by its facet; a section's only chart by the section.
            let heading = if f.title == sec.title {
                String::new()
            } else {
                format!("<h3>{}</h3>\n", escape(&f.title))
            };
            let _ = writeln!(
                h,
                "<figure class=\"chart\">\n{heading}{}\n<figcaption>{caption}</figcaption>\n</figure>",
                f.svg.trim_start_matches(|c| c != '<')
            );
        }
        if drawn.figures.is_empty() {
            let _ = writeln!(
                h,
                "<p class=\"empty\">Nothing to draw.</p>\n<p>{caption}</p>"
            );
        }
        for n in &drawn.notes {
            let _ = writeln!(h, "<p class=\"note\">{}</p>", escape(n));
        }
    }
    let _ = writeln!(
        h,
        "<details><summary>SQL</summary>\n<pre>{}</pre>\n</details>",
        escape(s.sql.trim_end())
    );
    table(h, &s.batches, &s.command).map_err(|e| ReportError::Unreadable {
        query: sec.query.to_owned(),
        column: String::from("(any)"),
        reason: e.to_string(),
    })?;
    h.push_str("</section>\n");
    Ok(())
}

/// The rows as a table, at most [`MAX_TABLE_ROWS`] of them.
fn table(
    h: &mut String,
    batches: &[RecordBatch],
    command: &str,
) -> Result<(), arrow::error::ArrowError> {
    let Some(first) = batches.first() else {
        return Ok(());
    };
    let total: usize = batches.iter().map(RecordBatch::num_rows).sum();
    if total == 0 {
        return Ok(());
    }
    let schema = first.schema();
    h.push_str("<table>\n<thead><tr>");
    for f in schema.fields() {
        let _ = write!(h, "<th>{}</th>", escape(f.name()));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    let options = FormatOptions::default().with_null("NULL");
    let numeric: Vec<bool> = schema
        .fields()
        .iter()
        .map(|f| f.data_type().is_numeric())
        .collect();
    let mut shown = 0;
    'batches: for b in batches {
        let cells = b
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
            .collect::<Result<Vec<_>, _>>()?;
        for row in 0..b.num_rows() {
            if shown == MAX_TABLE_ROWS {
                break 'batches;
            }
            h.push_str("<tr>");
            for (c, f) in cells.iter().enumerate() {
                let class = if numeric[c] { " class=\"num\"" } else { "" };
                let _ = write!(h, "<td{class}>{}</td>", escape(&f.value(row).to_string()));
            }
            h.push_str("</tr>\n");
            shown += 1;
        }
    }
    h.push_str("</tbody>\n</table>\n");
    if total > shown {
        let _ = writeln!(
            h,
            "<p class=\"note\">The first {shown} of {total} rows; <code>{}</code> gives them all.</p>",
            escape(command)
        );
    }
    Ok(())
}

/// Text for HTML's text and attribute values.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, Date32Array, Float64Array, Int64Array, StringArray};
    use arrow::record_batch::RecordBatch;

    use super::*;
    use crate::SECTIONS;

    fn text(v: &[Option<&str>]) -> ArrayRef {
        Arc::new(StringArray::from(v.to_vec()))
    }

    fn num(v: &[Option<f64>]) -> ArrayRef {
        Arc::new(Float64Array::from(v.to_vec()))
    }

    fn int(v: &[i64]) -> ArrayRef {
        Arc::new(Int64Array::from(v.to_vec()))
    }

    fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
        RecordBatch::try_from_iter(columns).expect("a batch")
    }

    /// Rows shaped as each section's query gives them; `evil` is a model name that HTML and
    /// SVG must escape.
    fn rows_for(id: &str, evil: &str) -> RecordBatch {
        match id {
            "labels" => batch(vec![
                ("key", text(&[Some("tone"), Some("tone"), Some("tone")])),
                ("value", text(&[Some("formal"), Some("casual"), None])),
                ("model", text(&[Some("m1"), Some(evil), Some("m1")])),
                ("n", int(&[3, 4, 1])),
            ]),
            "leaderboard" => batch(vec![
                ("model", text(&[Some("m1"), Some(evil), Some("m3")])),
                ("rating", num(&[Some(1100.0), Some(900.0), None])),
                ("lower", num(&[Some(1050.0), None, None])),
                ("upper", num(&[Some(1150.0), Some(950.0), None])),
            ]),
            "win-rate" => batch(vec![
                ("model", text(&[Some("m1"), Some(evil)])),
                ("opponent", text(&[Some(evil), Some("m1")])),
                ("battles", int(&[10, 10])),
                ("win_rate", num(&[Some(0.7), Some(0.3)])),
            ]),
            "score-by-temperature" => batch(vec![
                ("key", text(&[Some("truth"), Some("truth"), Some("truth")])),
                (
                    "model",
                    text(&[Some("(every model)"), Some("(every model)"), Some("m1")]),
                ),
                ("temperature", num(&[Some(0.0), Some(1.0), Some(0.0)])),
                ("mean", num(&[Some(3.0), Some(3.5), Some(4.0)])),
                ("lower", num(&[Some(2.5), Some(3.0), None])),
                ("upper", num(&[Some(3.5), Some(4.0), None])),
            ]),
            "agreement" => batch(vec![
                ("key", text(&[Some("truth"), Some("tone")])),
                ("alpha", num(&[Some(0.8), Some(0.4)])),
                ("lower", num(&[Some(0.7), Some(0.2)])),
                ("upper", num(&[Some(0.9), Some(0.6)])),
            ]),
            "tasks-per-day" => batch(vec![
                (
                    "day",
                    Arc::new(Date32Array::from(vec![20_000, 20_001, 20_003])) as ArrayRef,
                ),
                ("created", int(&[3, 0, 2])),
                ("completed", int(&[1, 2, 2])),
            ]),
            other => panic!("no rows for section {other}"),
        }
    }

    fn sections(evil: &str) -> Vec<SectionRows> {
        SECTIONS
            .iter()
            .map(|s| SectionRows {
                section: s,
                description: format!("About {}.", s.id),
                command: format!("taskq query {}", s.query),
                sql: String::from("SELECT 1 WHERE 1 < 2"),
                batches: vec![rows_for(s.id, evil)],
            })
            .collect()
    }

    #[test]
    fn every_section_draws_a_chart_with_its_caption_and_table() {
        let html = render(&Page::default(), &sections("m2")).expect("a page");
        for s in SECTIONS {
            let start = html
                .find(&format!("<section id=\"{}\"", s.id))
                .expect("section");
            let part = &html[start..start + html[start..].find("</section>").expect("end")];
            assert!(part.contains("<svg"), "{}: no chart", s.id);
            assert!(part.contains(&format!("Rows from <code>taskq query {}</code>", s.query)));
            assert!(part.contains(s.y_label), "{}: no axis label", s.id);
            assert!(part.contains("<table>"), "{}: no table", s.id);
        }
        // The legend names the models; the leaderboard says which model it could not draw.
        assert!(html.contains("m2\n</text>"), "no legend entry");
        assert!(html.contains("Not drawn, having no value (the table&#39;s note says why): m3."));
        // Days on the axis are dates.
        assert!(html.contains("2024-"), "no date ticks");
        // Only the every-model rows are drawn, and the page says so.
        assert!(html.contains("whose <code>model</code> is <code>(every model)</code>"));
    }

    #[test]
    fn names_are_escaped_in_the_page_and_in_the_charts() {
        let html = render(&Page::default(), &sections("<b>m&2</b>")).expect("a page");
        assert!(!html.contains("<b>m&2"), "a raw name in the page");
        assert!(html.contains("&lt;b&gt;m&amp;2&lt;/b&gt;"));
        assert!(!html.contains("1 < 2"), "raw SQL in the page");
    }

    #[test]
    fn an_empty_result_says_so_instead_of_drawing() {
        let mut all = sections("m2");
        let schema = all[1].batches[0].schema();
        all[1].batches = vec![RecordBatch::new_empty(schema)];
        let html = render(&Page::default(), &all).expect("a page");
        let start = html.find("<section id=\"leaderboard\"").expect("section");
        let part = &html[start..start + html[start..].find("</section>").expect("end")];
        assert!(part.contains("No rows"));
        assert!(!part.contains("<svg"));
        assert!(part.contains("Rows from <code>taskq query leaderboard</code>"));
    }

    #[test]
    fn free_text_keys_are_counted_not_drawn() {
        let mut all = sections("m2");
        let values: Vec<String> = (0..30).map(|i| format!("text {i}")).collect();
        let n = values.len();
        all[0].batches = vec![batch(vec![
            ("key", text(&vec![Some("rewrite"); n])),
            (
                "value",
                text(&values.iter().map(|v| Some(v.as_str())).collect::<Vec<_>>()),
            ),
            ("model", text(&vec![Some("m1"); n])),
            ("n", int(&vec![1; n])),
        ])];
        let html = render(&Page::default(), &all).expect("a page");
        assert!(html.contains(
            "more than 20 distinct labels (free text or close to it): rewrite (30 labels)"
        ));
    }

    #[test]
    fn long_results_are_cut_in_the_table_and_the_page_says_where_the_rest_are() {
        let mut all = sections("m2");
        let n = MAX_TABLE_ROWS + 7;
        all[4].batches = vec![batch(vec![
            ("key", text(&vec![Some("k"); n])),
            ("alpha", num(&vec![Some(0.5); n])),
            ("lower", num(&vec![Some(0.4); n])),
            ("upper", num(&vec![Some(0.6); n])),
        ])];
        let html = render(&Page::default(), &all).expect("a page");
        assert!(html.contains(&format!(
            "The first {MAX_TABLE_ROWS} of {n} rows; <code>taskq query agreement</code> gives them all."
        )));
    }

    #[test]
    fn a_missing_column_is_an_error_naming_the_query_and_column() {
        let mut all = sections("m2");
        all[2].batches = vec![batch(vec![("model", text(&[Some("m1")]))])];
        let e = render(&Page::default(), &all).expect_err("no opponent column");
        assert_eq!(
            e.to_string(),
            "query win_matrix: its rows have no column `opponent` for the chart"
        );
    }
}
