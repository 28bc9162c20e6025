//! taskq-store: the dataset on disk: one Delta Lake table per entity level, plus a run manifest.
//!
//! A dataset is a folder holding a Delta table per [`Table`] (zstd Parquet) and `_taskq/`, where
//! `manifest.json` records each completed ingest run with the version it left every table at,
//! and `quarantine/RUN.jsonl` keeps the records each run rejected.
//!
//! Writes go through a [`Run`]: batches of whole tasks stream into Parquet files; at commit, every
//! earlier row of a task the run carries is removed (upsert by `task_id`), each table commits a
//! new version, and only then is the run added to the manifest. Readers ([`Dataset::table`]) open
//! each table at the version the manifest names, so they see a run in every table or in none,
//! even when a run died half-way; the next run first rolls such tables back. How the files are
//! laid out (row groups, pages, codec, the clustering of `annotations`) is [`EncodeOptions`];
//! the encoding engine behind it is the `encode` module, which knows nothing of runs.
//!
//! ```no_run
//! # async fn demo(batches: Vec<(taskq_core::Table, arrow::record_batch::RecordBatch)>) -> Result<(), taskq_store::StoreError> {
//! use taskq_store::{Dataset, EncodeOptions};
//!
//! let mut run = Dataset::begin_run("taskq-data".as_ref(), EncodeOptions::default()).await?;
//! run.write(batches).await?;
//! let summary = run.commit().await?;
//! println!("run {} wrote {} tasks", summary.run_id, summary.tasks);
//! let ds = Dataset::open("taskq-data".as_ref())?;
//! let annotations = ds.table(taskq_core::Table::Annotations).await?;
//! # Ok(()) }
//! ```

mod encode;
mod error;
mod ids;
mod lock;
mod manifest;
mod read;
mod run;

pub use encode::EncodeOptions;
pub use error::StoreError;
pub use manifest::{Manifest, QuarantineEntry, RunRecord};
pub use read::Dataset;
pub use run::{Run, RunSummary};
