//! Query results as a table, CSV, JSON, NDJSON or Parquet.

use std::io::Write;

use arrow::datatypes::SchemaRef;
use arrow::error::ArrowError;
use arrow::json::writer::{JsonArray, JsonFormat, LineDelimited};
use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;

use crate::QueryError;

/// An output format of `taskq sql`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A boxed text table, for people.
    Table,
    Csv,
    /// One JSON array of objects.
    Json,
    /// One JSON object per line.
    Ndjson,
    /// A Parquet file (zstd).
    Parquet,
}

impl Format {
    pub const NAMES: &'static [&'static str] = &["table", "csv", "json", "ndjson", "parquet"];

    pub fn from_name(name: &str) -> Option<Format> {
        Some(match name {
            "table" => Format::Table,
            "csv" => Format::Csv,
            "json" => Format::Json,
            "ndjson" => Format::Ndjson,
            "parquet" => Format::Parquet,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        Format::NAMES[self as usize]
    }
}

/// Writes `batches` (all of `schema`) to `out` in `format`. An I/O error comes back as
/// [`QueryError::Io`] whatever the format writer made of it, so a closed pipe stays recognisable.
pub fn write<W: Write + Send>(
    schema: &SchemaRef,
    batches: &[RecordBatch],
    format: Format,
    out: &mut W,
) -> Result<(), QueryError> {
    let mut tracked = Tracked {
        inner: out,
        error: None,
    };
    match write_format(schema, batches, format, &mut tracked) {
        Err(e) => Err(tracked.error.map(QueryError::Io).unwrap_or(e)),
        ok => ok,
    }
}

/// Remembers the first I/O error its writer hit.
struct Tracked<'a, W> {
    inner: &'a mut W,
    error: Option<std::io::Error>,
}

impl<W: Write> Write for Tracked<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.inner.write(buf).inspect_err(|e| self.remember(e))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush().inspect_err(|e| self.remember(e))
    }
}

impl<W> Tracked<'_, W> {
    fn remember(&mut self, e: &std::io::Error) {
        if self.error.is_none() {
            self.error = Some(std::io::Error::new(e.kind(), e.to_string()));
        }
    }
}

fn write_format<W: Write + Send>(
    schema: &SchemaRef,
    batches: &[RecordBatch],
    format: Format,
    out: &mut W,
) -> Result<(), QueryError> {
    let wrap = |source: ArrowError| QueryError::Output {
        format: format.name(),
        source,
    };
    match format {
        Format::Table => {
            let table =
                arrow::util::pretty::pretty_format_batches_with_schema(schema.clone(), batches)
                    .map_err(wrap)?;
            writeln!(out, "{table}")?;
        }
        Format::Csv => {
            let mut w = arrow::csv::WriterBuilder::new()
                .with_header(true)
                .build(&mut *out);
            if batches.is_empty() {
                w.write(&RecordBatch::new_empty(schema.clone()))
                    .map_err(wrap)?;
            }
            for b in batches {
                w.write(b).map_err(wrap)?;
            }
        }
        Format::Json => {
            write_json::<JsonArray>(batches, &mut *out).map_err(wrap)?;
            writeln!(out)?;
        }
        Format::Ndjson => write_json::<LineDelimited>(batches, &mut *out).map_err(wrap)?,
        Format::Parquet => {
            let props = parquet::file::properties::WriterProperties::builder()
                .set_compression(parquet::basic::Compression::ZSTD(Default::default()))
                .build();
            let parquet_err = |e: parquet::errors::ParquetError| wrap(e.into());
            let mut w = ArrowWriter::try_new(&mut *out, schema.clone(), Some(props))
                .map_err(parquet_err)?;
            for b in batches {
                w.write(b).map_err(parquet_err)?;
            }
            w.close().map_err(parquet_err)?;
        }
    }
    out.flush()?;
    Ok(())
}

/// JSON objects with every column, nulls included, so each row has the same keys.
fn write_json<F: JsonFormat>(
    batches: &[RecordBatch],
    out: &mut impl Write,
) -> Result<(), ArrowError> {
    let mut w = arrow::json::WriterBuilder::new()
        .with_explicit_nulls(true)
        .build::<_, F>(out);
    for b in batches {
        w.write(b)?;
    }
    w.finish()
}
