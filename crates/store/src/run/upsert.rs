//! The upsert: a segment's tasks replace their earlier rows. The committed files of a table
//! that hold rows of those tasks are found by reading only their `task_id` column; their other
//! rows are written back through the table's writer, and the files are removed in the same
//! commit that adds the segment's new files.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{AsArray, BooleanArray};
use arrow::datatypes::{DataType, Field, Int32Type, Schema};
use arrow::record_batch::RecordBatch;
use deltalake::kernel::Remove;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use taskq_core::Table;

use super::Run;
use crate::StoreError;
use crate::read::table_path;

impl Run {
    /// Finds the committed files of `t` holding rows of the segment's tasks, writes their other
    /// rows back through the table's writer, and returns the files to remove.
    pub(super) async fn drop_earlier_rows(&mut self, t: Table) -> Result<Vec<Remove>, StoreError> {
        let dir = table_path(&self.root, t);
        let files: Vec<(PathBuf, Remove)> = {
            let snapshot = self.tables[t as usize]
                .0
                .snapshot()
                .map_err(StoreError::delta(t))?;
            snapshot
                .log_data()
                .iter()
                .map(|f| {
                    (
                        dir.join(f.object_store_path().as_ref()),
                        f.remove_action(true),
                    )
                })
                .collect()
        };
        let mut removes = Vec::new();
        for (path, remove) in files {
            let (keep, repeated) = rows_to_keep(&path, |id| {
                if !self.in_segment(id) {
                    Fate::Keep
                } else if self.segment_repeats.contains(id) {
                    Fate::Repeated
                } else {
                    Fate::Replaced
                }
            })?;
            if keep.true_count() == keep.len() {
                continue;
            }
            let dropped = (keep.len() - keep.true_count()) as u64;
            *self.replaced.entry(t).or_default() += dropped - repeated;
            *self.repeated.entry(t).or_default() += repeated;
            // A file whose rows all go is only removed: none of its other columns is read.
            if keep.true_count() > 0 {
                self.write_back(t, &path, &keep).await?;
            }
            removes.push(remove);
        }
        Ok(removes)
    }

    /// Writes the rows of the data file at `path` that `keep` marks back through the table's
    /// writer.
    async fn write_back(
        &mut self,
        t: Table,
        path: &Path,
        keep: &BooleanArray,
    ) -> Result<(), StoreError> {
        let reader = ParquetRecordBatchReaderBuilder::try_new(
            File::open(path).map_err(StoreError::io(path))?,
        )
        .and_then(|b| b.build())
        .map_err(StoreError::parquet(path))?;
        let mut offset = 0;
        for batch in reader {
            let batch = batch.map_err(StoreError::parquet(path))?;
            let mask = keep.slice(offset, batch.num_rows());
            offset += batch.num_rows();
            let kept = arrow::compute::filter_record_batch(&batch, &mask)
                .map_err(StoreError::parquet(path))?;
            if kept.num_rows() > 0 {
                // Read back with the file's own schema: cast to the declared one by position.
                let kept = RecordBatch::try_new(t.schema(), kept.columns().to_vec())
                    .map_err(|source| StoreError::Arrow { table: t, source })?;
                self.tables[t as usize].1.write(kept).await?;
            }
        }
        Ok(())
    }
}

/// What becomes of a committed row whose task the segment writes.
#[derive(Clone, Copy, PartialEq)]
enum Fate {
    /// Not a task of the segment.
    Keep,
    /// An earlier version, from before the run.
    Replaced,
    /// The run's own earlier copy of a task it wrote again.
    Repeated,
}

/// Per row of the data file at `path`, whether `fate` keeps it, and how many rows are
/// [`Fate::Repeated`]. Reads only the `task_id` column, and reads it as a dictionary, so that
/// each distinct id of a row group is looked up once rather than once per row: a run's ids
/// outgrow the CPU caches at a few GB.
fn rows_to_keep(
    path: &Path,
    fate: impl Fn(&str) -> Fate,
) -> Result<(BooleanArray, u64), StoreError> {
    let file = File::open(path).map_err(StoreError::io(path))?;
    let meta =
        ArrowReaderMetadata::load(&file, Default::default()).map_err(StoreError::parquet(path))?;
    let mut fields = meta.schema().fields().to_vec();
    let id = &fields[0];
    let as_dictionary = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
    fields[0] = Arc::new(Field::new(id.name(), as_dictionary, id.is_nullable()));
    let options = ArrowReaderOptions::new().with_schema(Arc::new(Schema::new(fields)));
    let meta = ArrowReaderMetadata::try_new(meta.metadata().clone(), options)
        .map_err(StoreError::parquet(path))?;
    // A batch per row group: each batch then carries one row group's dictionary, whole.
    let row_group_rows = meta
        .metadata()
        .row_groups()
        .iter()
        .map(|rg| rg.num_rows() as usize)
        .max()
        .unwrap_or(0)
        .max(1);
    let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(file, meta);
    let mask = ProjectionMask::roots(builder.parquet_schema(), [0]);
    let reader = builder
        .with_projection(mask)
        .with_batch_size(row_group_rows)
        .build()
        .map_err(StoreError::parquet(path))?;
    let mut rows = arrow::array::BooleanBuilder::new();
    let mut repeated = 0;
    for batch in reader {
        let batch = batch.map_err(StoreError::parquet(path))?;
        let ids = batch.column(0).as_dictionary::<Int32Type>();
        let values = ids.values().as_string::<i32>();
        let fates: Vec<Fate> = values.iter().map(|v| v.map_or(Fate::Keep, &fate)).collect();
        for key in ids.keys() {
            let f = key.map_or(Fate::Keep, |k| fates[k as usize]);
            repeated += u64::from(f == Fate::Repeated);
            rows.append_value(f == Fate::Keep);
        }
    }
    Ok((rows.finish(), repeated))
}
