//! The boxed table, for people: a bounded number of rows (the first and the last), cells cut
//! to a width in display columns, and memory that does not grow with the result.

use std::collections::VecDeque;
use std::io::Write;

use arrow::datatypes::SchemaRef;
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// How the boxed table is drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableOptions {
    /// Rows shown at most, the first half and the last half of the result, with a footer
    /// giving the total; 0 shows every row.
    pub max_rows: usize,
    /// The width the table should fit in (a terminal's columns): cells are cut to share it.
    /// `None` cuts no cell (but see [`TableOptions::max_rows`] = 0).
    pub max_width: Option<usize>,
}

impl Default for TableOptions {
    fn default() -> Self {
        TableOptions {
            max_rows: 40,
            max_width: None,
        }
    }
}

/// Rows sized from this many first rows when every row is shown: a row after them prints as it
/// comes, padded to the widths those rows set; a wider cell is cut only to fit `max_width`, and
/// otherwise pushes its row's borders out rather than lose text.
const SIZING_ROWS: usize = 1000;

/// What a cell of no value shows, unlike an empty string.
const NULL: &str = "NULL";

/// A table being written.
pub(crate) struct TextTable {
    names: Vec<String>,
    opts: TableOptions,
    /// The first rows (all of them while sizing), formatted.
    head: Vec<Vec<String>>,
    /// The last rows, formatted, when rows are left out.
    tail: VecDeque<Vec<String>>,
    total: u64,
    /// Set once rows stream: the column widths, the head already printed.
    widths: Option<Vec<usize>>,
}

impl TextTable {
    pub(crate) fn new(schema: &SchemaRef, opts: TableOptions) -> Self {
        TextTable {
            names: schema.fields().iter().map(|f| clean(f.name())).collect(),
            opts,
            head: Vec::new(),
            tail: VecDeque::new(),
            total: 0,
            widths: None,
        }
    }

    pub(crate) fn write(
        &mut self,
        batch: &RecordBatch,
        out: &mut impl Write,
    ) -> std::io::Result<()> {
        let options = FormatOptions::default()
            .with_null(NULL)
            .with_display_error(true);
        let formatters: Vec<ArrayFormatter> = match batch
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
            .collect::<Result<_, ArrowError>>()
        {
            Ok(f) => f,
            Err(e) => return Err(std::io::Error::other(e)),
        };
        for row in 0..batch.num_rows() {
            let cells: Vec<String> = formatters
                .iter()
                .map(|f| clean(&f.value(row).to_string()))
                .collect();
            self.push(cells, out)?;
        }
        Ok(())
    }

    fn push(&mut self, cells: Vec<String>, out: &mut impl Write) -> std::io::Result<()> {
        self.total += 1;
        if self.opts.max_rows == 0 {
            if let Some(widths) = &self.widths {
                return write_row(out, &cells, widths, self.opts.max_width.is_some());
            }
            self.head.push(cells);
            if self.head.len() >= SIZING_ROWS {
                self.widths = Some(self.write_kept(out)?);
                self.head.clear();
            }
            return Ok(());
        }
        let head_rows = self.opts.max_rows.div_ceil(2);
        if self.head.len() < head_rows {
            self.head.push(cells);
        } else {
            self.tail.push_back(cells);
            if self.tail.len() > self.opts.max_rows - head_rows {
                self.tail.pop_front();
            }
        }
        Ok(())
    }

    pub(crate) fn finish(mut self, out: &mut impl Write) -> std::io::Result<()> {
        let widths = match self.widths.take() {
            Some(widths) => widths,
            None => self.write_kept(out)?,
        };
        write_rule(out, &widths)?;
        let shown = self.shown();
        if shown < self.total {
            writeln!(
                out,
                "{} rows, {shown} shown (--max-rows 0 shows all)",
                self.total
            )?;
        }
        Ok(())
    }

    /// Rows shown: every row when all are, else the first and the last kept.
    fn shown(&self) -> u64 {
        match self.opts.max_rows {
            0 => self.total,
            _ => (self.head.len() + self.tail.len()) as u64,
        }
    }

    /// Sizes the columns by the rows kept, then writes the header and those rows (a row of `…`
    /// where rows were left out between the first and the last); the widths, for what follows.
    fn write_kept(&self, out: &mut impl Write) -> std::io::Result<Vec<usize>> {
        let widths = self.widths_of_kept();
        write_rule(out, &widths)?;
        write_row(out, &self.names, &widths, true)?;
        write_rule(out, &widths)?;
        for row in &self.head {
            write_row(out, row, &widths, true)?;
        }
        if self.shown() < self.total {
            let dots: Vec<String> = widths.iter().map(|_| "…".to_owned()).collect();
            write_row(out, &dots, &widths, true)?;
        }
        for row in &self.tail {
            write_row(out, row, &widths, true)?;
        }
        Ok(widths)
    }

    /// Each column as wide as its widest kept cell or name, fitted to `max_width`.
    fn widths_of_kept(&self) -> Vec<usize> {
        let mut widths: Vec<usize> = self.names.iter().map(|n| n.width()).collect();
        for row in self.head.iter().chain(&self.tail) {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.width());
            }
        }
        if let Some(max) = self.opts.max_width {
            fit(&mut widths, max);
        }
        widths
    }
}

/// Narrows the widest columns until the table (borders and padding included) fits in `max`, but
/// no column below a few characters.
fn fit(widths: &mut [usize], max: usize) {
    const NARROWEST: usize = 6;
    let frame = 3 * widths.len() + 1;
    let room = max.saturating_sub(frame);
    while widths.iter().sum::<usize>() > room {
        let Some(widest) = widths
            .iter_mut()
            .filter(|w| **w > NARROWEST)
            .max_by_key(|w| **w)
        else {
            break;
        };
        *widest -= 1;
    }
}

/// A cell's text on one line: line breaks and tabs shown as escapes, other control characters
/// dropped, so that rows stay rows.
fn clean(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn write_rule(out: &mut impl Write, widths: &[usize]) -> std::io::Result<()> {
    let mut line = String::from("+");
    for w in widths {
        line.push_str(&"-".repeat(w + 2));
        line.push('+');
    }
    writeln!(out, "{line}")
}

/// One row, each cell padded to its column's width by display columns, so that wide characters
/// keep the borders in line; with `fit`, a wider cell is cut to it, ending in `…`.
fn write_row(
    out: &mut impl Write,
    cells: &[String],
    widths: &[usize],
    fit: bool,
) -> std::io::Result<()> {
    let mut line = String::from("|");
    for (cell, &w) in cells.iter().zip(widths) {
        line.push(' ');
        let shown = if fit { cut(cell, w) } else { cell.into() };
        let pad = w.saturating_sub(shown.width());
        line.push_str(&shown);
        line.extend(std::iter::repeat_n(' ', pad));
        line.push_str(" |");
    }
    writeln!(out, "{line}")
}

/// `text` in at most `width` display columns, ending in `…` when cut.
fn cut(text: &str, width: usize) -> std::borrow::Cow<'_, str> {
    if text.width() <= width {
        return text.into();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out.into()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, Int64Array, StringArray};

    use super::*;

    fn table(batch: &RecordBatch, opts: TableOptions) -> String {
        let mut out = Vec::new();
        let mut w = TextTable::new(&batch.schema(), opts);
        w.write(batch, &mut out).unwrap();
        w.finish(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn numbers(n: i64) -> RecordBatch {
        let n: ArrayRef = Arc::new(Int64Array::from_iter_values(0..n));
        RecordBatch::try_from_iter([("n", n)]).unwrap()
    }

    #[test]
    fn nulls_and_empty_strings_look_different_and_wide_text_stays_in_line() {
        let text: ArrayRef = Arc::new(StringArray::from(vec![
            None,
            Some(""),
            Some("日本語"),
            Some("a\nb"),
        ]));
        let b = RecordBatch::try_from_iter([("text", text)]).unwrap();
        assert_eq!(
            table(&b, TableOptions::default()),
            "+--------+\n| text   |\n+--------+\n| NULL   |\n|        |\n| 日本語 |\n| a\\nb   |\n+--------+\n"
        );
    }

    #[test]
    fn a_long_result_shows_its_first_and_last_rows_and_its_total() {
        let shown = table(
            &numbers(1000),
            TableOptions {
                max_rows: 4,
                max_width: None,
            },
        );
        assert_eq!(
            shown,
            "+-----+\n| n   |\n+-----+\n| 0   |\n| 1   |\n| …   |\n| 998 |\n| 999 |\n+-----+\n\
             1000 rows, 4 shown (--max-rows 0 shows all)\n"
        );
        let all = table(
            &numbers(1500),
            TableOptions {
                max_rows: 0,
                max_width: None,
            },
        );
        assert_eq!(all.lines().count(), 1500 + 4);
        // Sized by the first thousand rows; a wider number later is not cut.
        assert!(all.contains("\n| 999 |\n| 1000 |\n"), "{all}");
        assert!(all.ends_with("| 1499 |\n+-----+\n"), "{all}");
    }

    #[test]
    fn cells_are_cut_to_fit_the_width() {
        let text: ArrayRef = Arc::new(StringArray::from(vec!["x".repeat(100)]));
        let short: ArrayRef = Arc::new(StringArray::from(vec!["ok"]));
        let b = RecordBatch::try_from_iter([("short", short), ("long", text)]).unwrap();
        let shown = table(
            &b,
            TableOptions {
                max_rows: 40,
                max_width: Some(40),
            },
        );
        assert!(shown.lines().all(|l| l.width() <= 40), "{shown}");
        assert!(shown.contains("xxx…"), "{shown}");
        assert!(shown.contains("| ok    |"), "{shown}");
    }
}
