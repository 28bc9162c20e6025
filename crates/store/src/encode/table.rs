//! One table's writer in a run: batches in, encoded off the caller's thread, files out.

use std::path::PathBuf;

use arrow::record_batch::RecordBatch;
use deltalake::kernel::Add;
use taskq_core::Table;
use tokio::task::JoinHandle;

use super::cluster::{Clustered, Held};
use super::file::FileWriter;
use super::options::EncodeOptions;
use crate::StoreError;
use crate::error::joined;

/// Writes one table's files. Each batch is encoded on a runtime thread while the caller goes
/// on, so that tables encode side by side and Parquet encoding and compression use every core;
/// the next write waits for the one before, so a table keeps its order. A table with a cluster
/// column gets its rows a row group at a time, ordered by that column.
pub(crate) struct TableWriter {
    table: Table,
    dir: PathBuf,
    opts: EncodeOptions,
    state: State,
    /// Rows held back until they fill a row group (a table with a cluster column).
    held: Held,
}

/// The file writer: not made yet, idle, or encoding on a runtime thread.
enum State {
    None,
    Idle(Box<FileWriter>),
    Busy(JoinHandle<Result<Box<FileWriter>, StoreError>>),
}

/// What the file writer is handed: a batch as it came, or the rows of one row group to order
/// by the cluster column at this position first.
enum Work {
    Batch(RecordBatch),
    Ordered(Vec<RecordBatch>, usize),
}

impl TableWriter {
    /// A writer of table `table`'s files into `dir`; nothing is made before the first write.
    pub(crate) fn new(table: Table, dir: PathBuf, opts: &EncodeOptions) -> Self {
        TableWriter {
            table,
            dir,
            opts: opts.clone(),
            state: State::None,
            held: Held::default(),
        }
    }

    /// Writes `batch` (of the table's schema) behind the caller's back.
    pub(crate) async fn write(&mut self, batch: RecordBatch) -> Result<(), StoreError> {
        let Some(col) = self.table.cluster_column() else {
            return self.hand_over(Work::Batch(batch)).await;
        };
        self.held.push(batch);
        let group = self.opts.row_group_rows_of(self.table);
        while self.held.rows() >= group {
            let rows = self.held.take(group);
            self.hand_over(Work::Ordered(rows, col)).await?;
        }
        Ok(())
    }

    /// Writes the rows still held, closes the open file, and hands over the `add` action of
    /// every file closed since the last call.
    pub(crate) async fn finish(&mut self) -> Result<Vec<Add>, StoreError> {
        if let Some(col) = self.table.cluster_column()
            && self.held.rows() > 0
        {
            let rows = self.held.take(usize::MAX);
            self.hand_over(Work::Ordered(rows, col)).await?;
        }
        match self.state {
            State::None => Ok(Vec::new()),
            _ => self.idle().await?.finish(),
        }
    }

    /// The file writer once its last write is done, made on first use.
    async fn idle(&mut self) -> Result<&mut FileWriter, StoreError> {
        if let State::Busy(_) = self.state {
            let State::Busy(write) = std::mem::replace(&mut self.state, State::None) else {
                unreachable!()
            };
            self.state = State::Idle(joined(self.table, write).await??);
        }
        if let State::None = self.state {
            self.state = State::Idle(Box::new(FileWriter::new(
                &self.dir,
                self.table.schema(),
                self.opts.writer_properties(self.table),
                self.opts.target_file_size,
            )));
        }
        match &mut self.state {
            State::Idle(w) => Ok(w),
            _ => unreachable!(),
        }
    }

    async fn hand_over(&mut self, work: Work) -> Result<(), StoreError> {
        self.idle().await?;
        let State::Idle(mut w) = std::mem::replace(&mut self.state, State::None) else {
            unreachable!()
        };
        let threads = self.opts.clustered_threads;
        self.state = State::Busy(tokio::spawn(async move {
            match work {
                Work::Batch(b) => w.write(&b)?,
                Work::Ordered(parts, col) => {
                    let rows = Clustered::new(&parts, col);
                    w.write_row_group(|c| rows.weight(c), |c| rows.column(c), threads)?;
                }
            }
            Ok(w)
        }));
        Ok(())
    }
}

impl Drop for TableWriter {
    fn drop(&mut self) {
        if let State::Busy(write) = &self.state {
            write.abort();
        }
    }
}
