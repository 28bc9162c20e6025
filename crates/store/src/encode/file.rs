//! A table's data files, written straight to disk, and the Delta `add` action for each.
//!
//! The Delta writer would stage each file through an object-store upload buffer (5 MB at least
//! per table, on top of the Parquet writer's own copy of every row group): with 17 tables open
//! that grew the peak of a run with its length. A dataset is a local folder, so the Parquet
//! writer writes to the file itself.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use arrow::array::ArrayRef;
use arrow::datatypes::SchemaRef;
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;
use chrono::DateTime;
use deltalake::kernel::Add;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_writer::{
    ArrowColumnChunk, ArrowColumnWriter, ArrowRowGroupWriterFactory, compute_leaves,
};
use parquet::basic::{LogicalType, TimeUnit};
use parquet::errors::ParquetError;
use parquet::file::metadata::ParquetMetaData;
use parquet::file::properties::WriterProperties;
use parquet::file::statistics::Statistics;
use parquet::file::writer::SerializedFileWriter;
use serde_json::{Map, Value};

use crate::StoreError;

/// Columns with file statistics in the log, counted from the first: Delta's default
/// (`delta.dataSkippingNumIndexedCols`).
const STATS_COLUMNS: usize = 32;

/// Writes a table's batches into files of about `target_size` bytes in its folder, and keeps
/// the `add` action of every file it closed.
pub(crate) struct FileWriter {
    dir: PathBuf,
    schema: SchemaRef,
    props: WriterProperties,
    target_size: usize,
    open: Option<(String, Open)>,
    closed: Vec<Add>,
}

/// The open file: fed batches that Parquet gathers into row groups ([`FileWriter::write`]), or
/// whole row groups whose columns are encoded side by side ([`FileWriter::write_row_group`]).
/// A table is written one way only.
enum Open {
    Batches(ArrowWriter<BufWriter<File>>),
    RowGroups(
        SerializedFileWriter<BufWriter<File>>,
        ArrowRowGroupWriterFactory,
    ),
}

impl Open {
    fn size(&self) -> usize {
        match self {
            Open::Batches(w) => w.bytes_written() + w.in_progress_size(),
            Open::RowGroups(w, _) => w.bytes_written(),
        }
    }

    fn close(self) -> Result<ParquetMetaData, ParquetError> {
        match self {
            Open::Batches(w) => w.close(),
            Open::RowGroups(w, _) => w.close(),
        }
    }
}

impl FileWriter {
    pub(crate) fn new(
        dir: &Path,
        schema: SchemaRef,
        props: WriterProperties,
        target_size: u64,
    ) -> Self {
        FileWriter {
            dir: dir.to_owned(),
            schema,
            props,
            target_size: usize::try_from(target_size).unwrap_or(usize::MAX),
            open: None,
            closed: Vec::new(),
        }
    }

    /// The open file, made on first use: Parquet's batch writer, or with `row_groups` the file
    /// writer beneath it.
    fn open(&mut self, row_groups: bool) -> Result<(PathBuf, &mut Open), StoreError> {
        if self.open.is_none() {
            let name = format!("part-{}.zstd.parquet", uuid::Uuid::new_v4().simple());
            let path = self.dir.join(&name);
            let file = File::create(&path).map_err(StoreError::io(&path))?;
            // Parquet hands over whole pages; a small buffer only gathers the rest, and 17 open
            // files hold one each.
            let w = ArrowWriter::try_new(
                BufWriter::with_capacity(1 << 16, file),
                self.schema.clone(),
                Some(self.props.clone()),
            )
            .map_err(StoreError::parquet(&path))?;
            let open = if row_groups {
                let (w, factory) = w
                    .into_serialized_writer()
                    .map_err(StoreError::parquet(&path))?;
                Open::RowGroups(w, factory)
            } else {
                Open::Batches(w)
            };
            self.open = Some((name, open));
        }
        let (name, open) = self.open.as_mut().expect("opened above");
        Ok((self.dir.join(name), open))
    }

    pub(crate) fn write(&mut self, batch: &RecordBatch) -> Result<(), StoreError> {
        let (path, open) = self.open(false)?;
        let Open::Batches(w) = open else {
            unreachable!("a table is written by batches or by row groups, not both")
        };
        w.write(batch).map_err(StoreError::parquet(path))?;
        self.close_if_full()
    }

    /// Writes one row group whose column `c` is `column(c)`. `threads` threads each take the
    /// next column, the heaviest first by `weight` (so that none is left alone with a large one
    /// at the end), make it and encode it; the row group is then appended in the schema's
    /// order. Encoded one column after the other, the ordered table's row groups were the
    /// longest chain of work in an ingest, and the other core often waited for them.
    pub(crate) fn write_row_group<F>(
        &mut self,
        weight: impl Fn(usize) -> usize,
        column: F,
        threads: usize,
    ) -> Result<(), StoreError>
    where
        F: Fn(usize) -> Result<ArrayRef, ArrowError> + Sync,
    {
        let schema = self.schema.clone();
        let (path, open) = self.open(true)?;
        let Open::RowGroups(w, factory) = open else {
            unreachable!("a table is written by batches or by row groups, not both")
        };
        let writers = factory
            .create_column_writers(w.flushed_row_groups().len())
            .map_err(StoreError::parquet(&path))?;
        if writers.len() != schema.fields().len() {
            let reason = "a column of more than one Parquet leaf".to_owned();
            return Err(StoreError::parquet(path)(ParquetError::NYI(reason)));
        }
        // Columns wait in a queue, the heaviest first; each thread returns what it encoded.
        let mut columns: Vec<(usize, ArrowColumnWriter)> =
            writers.into_iter().enumerate().collect();
        columns.sort_by_key(|&(c, _)| std::cmp::Reverse(weight(c)));
        let queue = Mutex::new(columns.into_iter());
        let encode = |c: usize, mut writer: ArrowColumnWriter| {
            for leaf in compute_leaves(schema.field(c), &column(c)?)? {
                writer.write(&leaf)?;
            }
            writer.close()
        };
        let work = || {
            let mut done = Vec::new();
            loop {
                // Its own statement, so the queue is unlocked before the column is encoded.
                let next = queue.lock().unwrap_or_else(PoisonError::into_inner).next();
                let Some((c, writer)) = next else {
                    return done;
                };
                done.push((c, encode(c, writer)));
            }
        };
        let mut chunks: Vec<(usize, Result<ArrowColumnChunk, ParquetError>)> =
            std::thread::scope(|s| {
                let others: Vec<_> = (1..threads).map(|_| s.spawn(work)).collect();
                let mut done = work();
                for other in others {
                    done.extend(
                        other
                            .join()
                            .unwrap_or_else(|p| std::panic::resume_unwind(p)),
                    );
                }
                done
            });
        chunks.sort_by_key(|&(c, _)| c);
        let mut group = w.next_row_group().map_err(StoreError::parquet(&path))?;
        for (_, chunk) in chunks {
            chunk
                .map_err(StoreError::parquet(&path))?
                .append_to_row_group(&mut group)
                .map_err(StoreError::parquet(&path))?;
        }
        group.close().map_err(StoreError::parquet(&path))?;
        self.close_if_full()
    }

    fn close_if_full(&mut self) -> Result<(), StoreError> {
        if self
            .open
            .as_ref()
            .is_some_and(|(_, o)| o.size() >= self.target_size)
        {
            self.close_open()?;
        }
        Ok(())
    }

    /// Closes the open file and hands over the `add` actions of every file closed so far.
    pub(crate) fn finish(&mut self) -> Result<Vec<Add>, StoreError> {
        self.close_open()?;
        Ok(std::mem::take(&mut self.closed))
    }

    fn close_open(&mut self) -> Result<(), StoreError> {
        let Some((name, w)) = self.open.take() else {
            return Ok(());
        };
        let path = self.dir.join(&name);
        let meta = w.close().map_err(StoreError::parquet(&path))?;
        let size = std::fs::metadata(&path)
            .map_err(StoreError::io(&path))?
            .len();
        let modification_time = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        self.closed.push(Add {
            path: name,
            size: size as i64,
            modification_time,
            data_change: true,
            stats: Some(stats(&meta).to_string()),
            ..Add::default()
        });
        Ok(())
    }
}

/// Files that no `add` action was handed out for (the open one, and those closed since the last
/// [`FileWriter::finish`]) are no part of any commit: a run that stops takes them with it, so
/// that no truncated file is left in the table's folder for a reader that lists it.
impl Drop for FileWriter {
    fn drop(&mut self) {
        let open = self.open.take().map(|(name, _)| name);
        for name in open
            .into_iter()
            .chain(self.closed.drain(..).map(|a| a.path))
        {
            let _ = std::fs::remove_file(self.dir.join(name));
        }
    }
}

/// The file's Delta statistics: rows, and per top-level column (the first 32) that Parquet kept
/// statistics for (not the `nostats` ones) its nulls and, where it has values, its least and
/// greatest. Parquet shortens long strings in its statistics, the greatest rounded up, so both
/// stay bounds; a timestamp's greatest value is rounded up to the millisecond the log can hold.
fn stats(meta: &ParquetMetaData) -> Value {
    let schema = meta.file_metadata().schema_descr();
    let (mut mins, mut maxs, mut nulls) = (Map::new(), Map::new(), Map::new());
    for (i, col) in schema.columns().iter().enumerate().take(STATS_COLUMNS) {
        if col.max_rep_level() > 0 || col.path().parts().len() != 1 {
            continue;
        }
        let groups: Vec<&Statistics> = meta
            .row_groups()
            .iter()
            .filter_map(|g| g.column(i).statistics())
            .collect();
        if groups.len() != meta.num_row_groups() {
            continue;
        }
        let null_count = groups
            .iter()
            .map(|s| s.null_count_opt())
            .sum::<Option<u64>>();
        if let Some(n) = null_count {
            nulls.insert(col.name().to_owned(), n.into());
        }
        let ty = col.logical_type_ref();
        let bound = |least: bool| -> Option<Value> {
            let values = groups.iter().map(|s| value(s, ty, least));
            let values: Option<Vec<Ordered>> = values.collect();
            let pick = if least {
                values?.into_iter().reduce(|a, b| if b < a { b } else { a })
            } else {
                values?.into_iter().reduce(|a, b| if b > a { b } else { a })
            };
            pick.map(|v| v.into_json(least))
        };
        if let (Some(min), Some(max)) = (bound(true), bound(false)) {
            mins.insert(col.name().to_owned(), min);
            maxs.insert(col.name().to_owned(), max);
        }
    }
    serde_json::json!({
        "numRecords": meta.file_metadata().num_rows(),
        "minValues": mins,
        "maxValues": maxs,
        "nullCount": nulls,
    })
}

/// A statistics value of a type the log keeps bounds for, in its own order.
#[derive(PartialEq, PartialOrd)]
enum Ordered {
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Microseconds since the epoch, UTC.
    Timestamp(i64),
    Text(String),
}

impl Ordered {
    fn into_json(self, least: bool) -> Value {
        match self {
            Ordered::Bool(v) => v.into(),
            Ordered::Int(v) => v.into(),
            Ordered::Float(v) => v.into(),
            Ordered::Text(v) => v.into(),
            Ordered::Timestamp(us) => {
                let ms = if least {
                    us.div_euclid(1000)
                } else {
                    (us + 999).div_euclid(1000)
                };
                DateTime::from_timestamp_millis(ms).map_or(Value::Null, |t| {
                    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string().into()
                })
            }
        }
    }
}

/// The least or greatest value of one row group's statistics; `None` when Parquet kept none
/// or the type has no bounds in the log (binary, lists).
fn value(s: &Statistics, ty: Option<&LogicalType>, least: bool) -> Option<Ordered> {
    fn pick<T: Copy>(min: Option<&T>, max: Option<&T>, least: bool) -> Option<T> {
        if least { min.copied() } else { max.copied() }
    }
    match s {
        Statistics::Boolean(v) => pick(v.min_opt(), v.max_opt(), least).map(Ordered::Bool),
        Statistics::Int32(v) => {
            pick(v.min_opt(), v.max_opt(), least).map(|x| Ordered::Int(x.into()))
        }
        Statistics::Int64(v) => {
            let x = pick(v.min_opt(), v.max_opt(), least)?;
            match ty {
                Some(LogicalType::Timestamp(t)) if t.unit == TimeUnit::MICROS => {
                    Some(Ordered::Timestamp(x))
                }
                Some(LogicalType::Timestamp(_)) => None,
                _ => Some(Ordered::Int(x)),
            }
        }
        Statistics::Double(v) => pick(v.min_opt(), v.max_opt(), least)
            .filter(|x| !x.is_nan())
            .map(Ordered::Float),
        Statistics::ByteArray(v) if matches!(ty, Some(LogicalType::String)) => {
            let bytes = if least { v.min_opt() } else { v.max_opt() }?;
            std::str::from_utf8(bytes.data())
                .ok()
                .map(|t| Ordered::Text(t.to_owned()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{
        ArrayRef, BinaryArray, BooleanArray, Float64Array, Int64Array, StringArray,
        TimestampMicrosecondArray,
    };
    use arrow::datatypes::{DataType, Field, Schema, TimeUnit as ArrowUnit};
    use serde_json::json;

    use super::*;

    fn batch(schema: &SchemaRef, rows: std::ops::Range<i64>) -> RecordBatch {
        let n = rows.clone().count();
        let long = "x".repeat(100);
        let cols: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from_iter(rows.clone().map(Some))),
            Arc::new(StringArray::from_iter(rows.clone().map(|i| match i % 3 {
                0 => None,
                1 => Some(format!("{long}{i:03}")),
                _ => Some(format!("a{i:03}")),
            }))),
            Arc::new(
                TimestampMicrosecondArray::from_iter(rows.clone().map(|i| Some(i * 1_000_250)))
                    .with_timezone("UTC"),
            ),
            Arc::new(Float64Array::from_iter(
                rows.clone().map(|i| Some(i as f64 / 2.0)),
            )),
            Arc::new(BooleanArray::from_iter(rows.clone().map(|i| Some(i > 0)))),
            Arc::new(BinaryArray::from_iter_values(std::iter::repeat_n(b"b", n))),
        ];
        RecordBatch::try_new(schema.clone(), cols).unwrap()
    }

    fn schema() -> SchemaRef {
        Arc::new(Schema::new(vec![
            Field::new("n", DataType::Int64, false),
            Field::new("s", DataType::Utf8, true),
            Field::new(
                "t",
                DataType::Timestamp(ArrowUnit::Microsecond, Some("UTC".into())),
                false,
            ),
            Field::new("f", DataType::Float64, false),
            Field::new("b", DataType::Boolean, false),
            Field::new("bin", DataType::Binary, false),
        ]))
    }

    /// A writer into `dir` with row groups of `group_rows` rows.
    fn writer(dir: &Path, group_rows: usize, target_size: u64) -> FileWriter {
        let props = WriterProperties::builder()
            .set_max_row_group_row_count(Some(group_rows))
            .build();
        FileWriter::new(dir, schema(), props, target_size)
    }

    fn stats_of(add: &Add) -> Value {
        serde_json::from_str(add.stats.as_deref().unwrap()).unwrap()
    }

    #[test]
    fn a_file_carries_bounds_over_all_its_row_groups() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = writer(dir.path(), 4, u64::MAX);
        w.write(&batch(&schema(), 0..10)).unwrap();
        let adds = w.finish().unwrap();
        assert_eq!(adds.len(), 1);
        let st = stats_of(&adds[0]);
        assert_eq!(st["numRecords"], json!(10));
        assert_eq!(st["nullCount"]["s"], json!(4));
        assert_eq!(st["nullCount"]["n"], json!(0));
        assert_eq!(
            (&st["minValues"]["n"], &st["maxValues"]["n"]),
            (&json!(0), &json!(9))
        );
        assert_eq!(st["maxValues"]["f"], json!(4.5));
        assert_eq!(
            (&st["minValues"]["b"], &st["maxValues"]["b"]),
            (&json!(false), &json!(true))
        );
        // 9 * 1.00025 s = 9.00225 s: the greatest value rounds up to the next millisecond.
        assert_eq!(st["minValues"]["t"], json!("1970-01-01T00:00:00.000Z"));
        assert_eq!(st["maxValues"]["t"], json!("1970-01-01T00:00:09.003Z"));
        // Long strings are shortened in Parquet's statistics, yet stay bounds of every value.
        let (min, max) = (
            st["minValues"]["s"].as_str().unwrap(),
            st["maxValues"]["s"].as_str().unwrap(),
        );
        assert_eq!(min, "a002");
        assert!(
            max.len() < 100 && max > format!("{}007", "x".repeat(100)).as_str(),
            "{max}"
        );
        assert!(st["minValues"].get("bin").is_none());
        assert_eq!(st["nullCount"]["bin"], json!(0));
        let size = std::fs::metadata(dir.path().join(&adds[0].path))
            .unwrap()
            .len();
        assert_eq!(adds[0].size, size as i64);
        assert!(adds[0].data_change);
    }

    #[test]
    fn files_roll_past_the_target_size_and_each_is_added_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = writer(dir.path(), 5, 1);
        for start in [0, 5, 10] {
            w.write(&batch(&schema(), start..start + 5)).unwrap();
        }
        let adds = w.finish().unwrap();
        assert_eq!(adds.len(), 3);
        let rows: Vec<Value> = adds
            .iter()
            .map(|a| stats_of(a)["numRecords"].clone())
            .collect();
        assert_eq!(rows, [json!(5), json!(5), json!(5)]);
        assert_eq!(stats_of(&adds[2])["minValues"]["n"], json!(10));
        assert!(
            w.finish().unwrap().is_empty(),
            "a finished file is handed over once"
        );
        let on_disk = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(on_disk, 3);
    }

    /// Row groups whose columns are encoded side by side make the same file as Parquet's batch
    /// writer given the same rows: the same rows, pages, sizes, statistics and Delta stats.
    #[test]
    fn row_groups_encoded_side_by_side_equal_the_batch_writers() {
        use parquet::file::reader::{FileReader, SerializedFileReader};
        let one = tempfile::tempdir().unwrap();
        let side = tempfile::tempdir().unwrap();
        let mut w = writer(one.path(), 40, u64::MAX);
        for start in [0, 40, 80] {
            w.write(&batch(&schema(), start..start + 40)).unwrap();
        }
        let by_batches = w.finish().unwrap();
        let mut w = writer(side.path(), 40, u64::MAX);
        for start in [0, 40, 80] {
            let b = batch(&schema(), start..start + 40);
            // The schema's last column is the heaviest: columns are taken out of its order.
            let weight = |c: usize| c;
            w.write_row_group(weight, |c| Ok(b.column(c).clone()), 3)
                .unwrap();
        }
        let by_groups = w.finish().unwrap();
        assert_eq!(by_batches.len(), 1);
        assert_eq!(by_groups.len(), 1);
        assert_eq!(stats_of(&by_batches[0]), stats_of(&by_groups[0]));
        assert_eq!(by_batches[0].size, by_groups[0].size);
        let read = |dir: &Path, add: &Add| {
            let f = File::open(dir.join(&add.path)).unwrap();
            let meta = SerializedFileReader::new(f).unwrap().metadata().clone();
            let groups: Vec<_> = meta
                .row_groups()
                .iter()
                .map(|g| {
                    let cols: Vec<_> = g
                        .columns()
                        .iter()
                        .map(|c| {
                            let st = c.statistics().cloned();
                            (
                                c.compressed_size(),
                                c.uncompressed_size(),
                                c.num_values(),
                                st,
                            )
                        })
                        .collect();
                    (g.num_rows(), cols)
                })
                .collect();
            let f = File::open(dir.join(&add.path)).unwrap();
            let rows: Vec<RecordBatch> =
                parquet::arrow::arrow_reader::ParquetRecordBatchReader::try_new(f, 1024)
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap();
            (groups, rows)
        };
        let (a, b) = (
            read(one.path(), &by_batches[0]),
            read(side.path(), &by_groups[0]),
        );
        assert_eq!(a.0.len(), 3);
        assert_eq!(a, b);
    }
}
