//! Query results as a table, CSV, JSON, NDJSON or Parquet.

use std::io::Write;
use std::sync::{Arc, Mutex};

use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::error::ArrowError;
use arrow::json::writer::{JsonArray, JsonFormat, LineDelimited};
use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;

use crate::QueryError;
use crate::table::{TableOptions, TextTable};

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

/// Every format with its name, as users spell it, and the file extensions that imply it: the
/// one place a format is named.
const FORMATS: [(&str, Format, &[&str]); 5] = [
    ("table", Format::Table, &["txt"]),
    ("csv", Format::Csv, &["csv"]),
    ("json", Format::Json, &["json"]),
    ("ndjson", Format::Ndjson, &["ndjson", "jsonl"]),
    ("parquet", Format::Parquet, &["parquet", "pq"]),
];

impl Format {
    /// The formats' names, in the order `--help` lists them.
    pub fn names() -> impl Iterator<Item = &'static str> {
        FORMATS.iter().map(|(name, _, _)| *name)
    }

    pub fn from_name(name: &str) -> Option<Format> {
        FORMATS
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, f, _)| *f)
    }

    /// The format a file name implies by its extension (`out.csv`), in any case.
    pub fn from_path(path: &std::path::Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        FORMATS
            .iter()
            .find(|(_, _, exts)| exts.contains(&ext.as_str()))
            .map(|(_, f, _)| *f)
    }

    pub fn name(self) -> &'static str {
        FORMATS
            .iter()
            .find(|(_, f, _)| *f == self)
            .map(|(name, _, _)| *name)
            .expect("every format is in FORMATS")
    }
}

/// How a result is written: its format, and how a boxed table is drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub format: Format,
    pub table: TableOptions,
}

impl From<Format> for Output {
    fn from(format: Format) -> Self {
        Output {
            format,
            table: TableOptions::default(),
        }
    }
}

/// Writes `batches` (all of `schema`) to `out` as `output` says.
pub fn write<W: Write + Send>(
    schema: &SchemaRef,
    batches: &[RecordBatch],
    output: &Output,
    out: &mut W,
) -> Result<(), QueryError> {
    let mut w = ResultWriter::new(schema, output, out)?;
    for b in batches {
        w.write(b)?;
    }
    w.finish()
}

/// Writes a result in one format batch by batch, so a result is never held whole: every format
/// but the boxed table writes each batch as it comes, and the table keeps only the rows it
/// shows. An I/O error comes back as [`QueryError::Io`] whatever the format writer made of
/// it, so a closed pipe stays recognisable.
pub(crate) struct ResultWriter<W: Write + Send> {
    format: Format,
    sink: Sink<W>,
    io_error: Arc<Mutex<Option<std::io::Error>>>,
}

enum Sink<W: Write + Send> {
    Table(TextTable, Tracked<W>),
    /// With the schema as CSV holds it, for the header of a result without rows.
    Csv(arrow::csv::Writer<Tracked<W>>, Option<SchemaRef>),
    Json(arrow::json::Writer<Tracked<W>, JsonArray>),
    Ndjson(arrow::json::Writer<Tracked<W>, LineDelimited>),
    Parquet(ArrowWriter<Tracked<W>>),
}

impl<W: Write + Send> ResultWriter<W> {
    /// A writer of rows of `schema` to `out`. A schema the format cannot hold is refused here,
    /// before a byte is written.
    pub(crate) fn new(schema: &SchemaRef, output: &Output, out: W) -> Result<Self, QueryError> {
        let format = output.format;
        check_schema(schema, format).map_err(|e| output_error(format, e))?;
        let io_error = Arc::default();
        let out = Tracked {
            inner: out,
            error: Arc::clone(&io_error),
        };
        let sink = match format {
            Format::Table => Sink::Table(TextTable::new(schema, output.table.clone()), out),
            Format::Csv => Sink::Csv(
                arrow::csv::WriterBuilder::new()
                    .with_header(true)
                    .build(out),
                Some(Arc::new(csv_schema(schema))),
            ),
            Format::Json => Sink::Json(json_writer(out)),
            Format::Ndjson => Sink::Ndjson(json_writer(out)),
            Format::Parquet => {
                let props = parquet::file::properties::WriterProperties::builder()
                    .set_compression(parquet::basic::Compression::ZSTD(Default::default()))
                    .build();
                // The file's Arrow schema says plain strings, as its Parquet types do: readers
                // older than string views (pyarrow before 16) read it too.
                Sink::Parquet(
                    ArrowWriter::try_new(out, Arc::new(plain_schema(schema)), Some(props))
                        .map_err(|e| output_error(format, e.into()))?,
                )
            }
        };
        Ok(ResultWriter {
            format,
            sink,
            io_error,
        })
    }

    pub(crate) fn write(&mut self, batch: &RecordBatch) -> Result<(), QueryError> {
        let written = match &mut self.sink {
            Sink::Table(table, out) => table
                .write(batch, out)
                .map_err(|e| ArrowError::IoError(e.to_string(), e)),
            Sink::Csv(w, header_only) => {
                *header_only = None;
                csv_cells(batch).and_then(|b| w.write(&b))
            }
            Sink::Json(w) => plain_strings(batch).and_then(|b| w.write(&b)),
            Sink::Ndjson(w) => plain_strings(batch).and_then(|b| w.write(&b)),
            Sink::Parquet(w) => {
                plain_strings(batch).and_then(|b| w.write(&b).map_err(ArrowError::from))
            }
        };
        written.map_err(|e| self.failed(e))
    }

    /// Ends the output (a JSON array's closing bracket, a Parquet footer) and flushes it.
    pub(crate) fn finish(self) -> Result<(), QueryError> {
        let ResultWriter {
            format,
            sink,
            io_error,
        } = self;
        let failed = |e: QueryError| prefer_io(&io_error, e);
        let wrap = |e: ArrowError| failed(output_error(format, e));
        let mut out = match sink {
            Sink::Table(table, mut out) => {
                table.finish(&mut out).map_err(|e| failed(e.into()))?;
                out
            }
            Sink::Csv(mut w, header_only) => {
                if let Some(schema) = header_only {
                    w.write(&RecordBatch::new_empty(schema)).map_err(wrap)?;
                }
                w.into_inner()
            }
            Sink::Json(mut w) => {
                w.finish().map_err(wrap)?;
                let mut out = w.into_inner();
                writeln!(out).map_err(|e| failed(e.into()))?;
                out
            }
            Sink::Ndjson(mut w) => {
                w.finish().map_err(wrap)?;
                w.into_inner()
            }
            Sink::Parquet(w) => w.into_inner().map_err(|e| wrap(e.into()))?,
        };
        out.flush().map_err(|e| failed(e.into()))
    }

    fn failed(&self, e: ArrowError) -> QueryError {
        prefer_io(&self.io_error, output_error(self.format, e))
    }
}

/// The I/O error the output hit, if it hit one, rather than what a format writer made of it.
fn prefer_io(io_error: &Mutex<Option<std::io::Error>>, e: QueryError) -> QueryError {
    match io_error.lock().map(|mut slot| slot.take()) {
        Ok(Some(io)) => QueryError::Io(io),
        _ => e,
    }
}

fn output_error(format: Format, source: ArrowError) -> QueryError {
    QueryError::Output {
        format: format.name(),
        source,
    }
}

/// JSON objects with every column, nulls included, so each row has the same keys.
fn json_writer<W: Write, F: JsonFormat>(out: W) -> arrow::json::Writer<W, F> {
    arrow::json::WriterBuilder::new()
        .with_explicit_nulls(true)
        .build::<_, F>(out)
}

/// Remembers the first I/O error its writer hit.
struct Tracked<W> {
    inner: W,
    error: Arc<Mutex<Option<std::io::Error>>>,
}

impl<W: Write> Write for Tracked<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.inner.write(buf).inspect_err(|e| self.remember(e))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush().inspect_err(|e| self.remember(e))
    }
}

impl<W> Tracked<W> {
    fn remember(&self, e: &std::io::Error) {
        if let Ok(mut slot) = self.error.lock()
            && slot.is_none()
        {
            *slot = Some(std::io::Error::new(e.kind(), e.to_string()));
        }
    }
}

/// Whether `format` can write rows of `schema`: each writer is tried on no rows, into nothing.
fn check_schema(schema: &SchemaRef, format: Format) -> Result<(), ArrowError> {
    let empty = RecordBatch::new_empty(schema.clone());
    let sink = std::io::sink();
    match format {
        // The boxed table prints any type, and Parquet's writer checked it when it was made.
        Format::Table | Format::Parquet => Ok(()),
        Format::Csv => arrow::csv::WriterBuilder::new()
            .with_header(false)
            .build(sink)
            .write(&csv_cells(&empty)?),
        Format::Json => json_writer::<_, JsonArray>(sink).write(&plain_strings(&empty)?),
        Format::Ndjson => json_writer::<_, LineDelimited>(sink).write(&plain_strings(&empty)?),
    }
}

/// Types CSV has no cell for: lists, structs and maps, written as their compact JSON text.
fn is_nested(t: &DataType) -> bool {
    matches!(
        t,
        DataType::List(_)
            | DataType::LargeList(_)
            | DataType::FixedSizeList(..)
            | DataType::ListView(_)
            | DataType::LargeListView(_)
            | DataType::Struct(_)
            | DataType::Map(..)
    )
}

/// `schema` as CSV holds it: plain strings, and nested columns as JSON text.
fn csv_schema(schema: &Schema) -> Schema {
    let plain = plain_schema(schema);
    let fields: Vec<Field> = plain
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            t if is_nested(t) => f.as_ref().clone().with_data_type(DataType::Utf8),
            _ => f.as_ref().clone(),
        })
        .collect();
    Schema::new_with_metadata(fields, schema.metadata().clone())
}

/// `batch` as CSV cells: [`plain_strings`], then every nested column as its JSON text (a null
/// stays an empty cell).
fn csv_cells(batch: &RecordBatch) -> Result<RecordBatch, ArrowError> {
    let batch = plain_strings(batch)?;
    if !batch.columns().iter().any(|c| is_nested(c.data_type())) {
        return Ok(batch);
    }
    let schema = batch.schema();
    let options = arrow::json::writer::EncoderOptions::default().with_explicit_nulls(true);
    let columns = batch
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(c, field)| {
            if !is_nested(c.data_type()) {
                return Ok(c.clone());
            }
            let mut encoder = arrow::json::writer::make_encoder(field, c.as_ref(), &options)?;
            let mut text = arrow::array::StringBuilder::new();
            let mut buf = Vec::new();
            for row in 0..c.len() {
                if encoder.is_null(row) {
                    text.append_null();
                    continue;
                }
                buf.clear();
                encoder.encode(row, &mut buf);
                text.append_value(String::from_utf8_lossy(&buf));
            }
            Ok(Arc::new(text.finish()) as arrow::array::ArrayRef)
        })
        .collect::<Result<_, ArrowError>>()?;
    RecordBatch::try_new(Arc::new(csv_schema(&schema)), columns)
}

/// `batch` with its string views gathered into plain strings, in row order. A view of more than
/// 12 bytes points into buffers the rows no longer follow once a result is grouped and sorted;
/// formatting cell by cell, row after row, then waited on memory at almost every cell. One
/// pass over each column first does the same reads far faster.
fn plain_strings(batch: &RecordBatch) -> Result<RecordBatch, ArrowError> {
    if !batch
        .columns()
        .iter()
        .any(|c| c.data_type() == &DataType::Utf8View)
    {
        return Ok(batch.clone());
    }
    let columns = batch
        .columns()
        .iter()
        .map(|c| match c.data_type() {
            DataType::Utf8View => arrow::compute::cast(c, &DataType::Utf8),
            _ => Ok(c.clone()),
        })
        .collect::<Result<_, _>>()?;
    RecordBatch::try_new(Arc::new(plain_schema(&batch.schema())), columns)
}

/// `schema` with its string-view columns as plain strings.
fn plain_schema(schema: &Schema) -> Schema {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Utf8View => f.as_ref().clone().with_data_type(DataType::Utf8),
            _ => f.as_ref().clone(),
        })
        .collect();
    Schema::new_with_metadata(fields, schema.metadata().clone())
}

#[cfg(test)]
mod tests {
    use arrow::array::{ArrayRef, Int64Array, StringArray, StringViewArray};

    use super::*;

    /// Text cells long and short, with nulls and characters CSV must quote.
    const TEXTS: [Option<&str>; 5] = [
        Some("short"),
        None,
        Some("a cell longer than twelve bytes, with a comma"),
        Some("quote \" and\nnewline"),
        Some(""),
    ];

    fn batch(text: ArrayRef) -> RecordBatch {
        let schema = Schema::new(vec![
            Field::new("text", text.data_type().clone(), true),
            Field::new("n", DataType::Int64, false),
        ]);
        let n: ArrayRef = Arc::new(Int64Array::from_iter_values(0..TEXTS.len() as i64));
        RecordBatch::try_new(Arc::new(schema), vec![text, n]).unwrap()
    }

    fn output(format: Format, b: &RecordBatch) -> String {
        String::from_utf8(output_bytes(format, b)).unwrap()
    }

    fn output_bytes(format: Format, b: &RecordBatch) -> Vec<u8> {
        let mut out = Vec::new();
        write(
            &b.schema(),
            std::slice::from_ref(b),
            &format.into(),
            &mut out,
        )
        .unwrap();
        out
    }

    #[test]
    fn every_format_has_one_name_and_back() {
        for format in [
            Format::Table,
            Format::Csv,
            Format::Json,
            Format::Ndjson,
            Format::Parquet,
        ] {
            assert_eq!(Format::from_name(format.name()), Some(format));
        }
        let names: Vec<_> = Format::names().collect();
        assert_eq!(names, ["table", "csv", "json", "ndjson", "parquet"]);
        let of = |p: &str| Format::from_path(std::path::Path::new(p));
        assert_eq!(of("out.csv"), Some(Format::Csv));
        assert_eq!(of("dir/OUT.JSONL"), Some(Format::Ndjson));
        assert_eq!(of("a.b.parquet"), Some(Format::Parquet));
        assert_eq!(of("out.json"), Some(Format::Json));
        assert_eq!(of("out.xlsx"), None);
        assert_eq!(of("out"), None);
    }

    /// Regression: CSV wrote its header, then failed on the first list column.
    #[test]
    fn csv_writes_lists_and_structs_as_json_text() {
        use arrow::array::{ListBuilder, StringViewBuilder, StructArray};

        let mut labels = ListBuilder::new(StringViewBuilder::new());
        labels.append_value([Some("a"), Some("b \"q\", c")]);
        labels.append_null();
        labels.append_value([None::<&str>]);
        let labels: ArrayRef = Arc::new(labels.finish());
        let n: ArrayRef = Arc::new(Int64Array::from(vec![1, 2, 3]));
        let pair: ArrayRef = Arc::new(StructArray::from(vec![(
            Arc::new(Field::new("n", DataType::Int64, false)),
            n.clone(),
        )]));
        let b = RecordBatch::try_from_iter([("labels", labels), ("pair", pair), ("n", n)]).unwrap();
        assert_eq!(
            output(Format::Csv, &b),
            "labels,pair,n\n\"[\"\"a\"\",\"\"b \\\"\"q\\\"\", c\"\"]\",\"{\"\"n\"\":1}\",1\n\
             ,\"{\"\"n\"\":2}\",2\n[null],\"{\"\"n\"\":3}\",3\n"
        );
        // No rows: the header alone, from the schema as CSV holds it.
        let empty = RecordBatch::new_empty(b.schema());
        assert_eq!(output(Format::Csv, &empty), "labels,pair,n\n");
    }

    #[test]
    fn string_views_come_out_as_plain_strings_do() {
        let plain = batch(Arc::new(StringArray::from(TEXTS.to_vec())));
        let views = batch(Arc::new(StringViewArray::from(TEXTS.to_vec())));
        for format in [Format::Csv, Format::Json, Format::Ndjson] {
            assert_eq!(output(format, &views), output(format, &plain), "{format:?}");
        }
        assert_eq!(
            output(Format::Csv, &views),
            "text,n\nshort,0\n,1\n\"a cell longer than twelve bytes, with a comma\",2\n\
             \"quote \"\" and\nnewline\",3\n,4\n"
        );
    }

    #[test]
    fn parquet_results_hold_plain_strings() {
        use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

        let plain = batch(Arc::new(StringArray::from(TEXTS.to_vec())));
        let views = batch(Arc::new(StringViewArray::from(TEXTS.to_vec())));
        let file = output_bytes(Format::Parquet, &views);
        assert_eq!(file, output_bytes(Format::Parquet, &plain));
        let reader = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(file))
            .unwrap()
            .build()
            .unwrap();
        let read: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
        assert_eq!(read, [plain]);
    }
}
