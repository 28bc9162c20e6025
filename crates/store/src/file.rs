//! A table's data files, written straight to disk, and the Delta `add` action for each.
//!
//! The Delta writer would stage each file through an object-store upload buffer (5 MB at least
//! per table, on top of the Parquet writer's own copy of every row group): with 17 tables open
//! that grew the peak of a run with its length. A dataset is a local folder, so the Parquet
//! writer writes to the file itself.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use chrono::DateTime;
use deltalake::kernel::Add;
use parquet::arrow::ArrowWriter;
use parquet::basic::{LogicalType, TimeUnit};
use parquet::file::metadata::ParquetMetaData;
use parquet::file::properties::WriterProperties;
use parquet::file::statistics::Statistics;
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
    open: Option<(String, ArrowWriter<BufWriter<File>>)>,
    closed: Vec<Add>,
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

    pub(crate) fn write(&mut self, batch: &RecordBatch) -> Result<(), StoreError> {
        let (name, w) = match &mut self.open {
            Some(open) => open,
            None => {
                let name = format!("part-{}.zstd.parquet", uuid::Uuid::new_v4().simple());
                let path = self.dir.join(&name);
                let file = File::create(&path).map_err(StoreError::io(&path))?;
                // Parquet hands over whole pages; a small buffer only gathers the rest. 17 open
                // files at 1 MB each held some 10 MB more at the peak, no faster.
                let w = ArrowWriter::try_new(
                    BufWriter::with_capacity(1 << 16, file),
                    self.schema.clone(),
                    Some(self.props.clone()),
                )
                .map_err(StoreError::parquet(path))?;
                self.open.insert((name, w))
            }
        };
        w.write(batch)
            .map_err(StoreError::parquet(self.dir.join(&*name)))?;
        if w.bytes_written() + w.in_progress_size() >= self.target_size {
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
}
