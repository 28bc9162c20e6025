//! taskq-ingest: files, folders and standard input → taskq-flatten → a taskq-store run.
//!
//! Inputs are read in the order given, folders recursively in sorted order, each file
//! decompressed by its magic bytes (gzip, zstd) and streamed record by record, so memory does
//! not grow with the input. Rejected records go to the run's quarantine with their file, line
//! and reason; the run commits at the end, or not at all when an input cannot be read.
//!
//! ```no_run
//! # async fn demo() -> Result<(), taskq_ingest::IngestError> {
//! use taskq_ingest::{IngestOptions, Input, ingest};
//!
//! let opts = IngestOptions::new("taskq-data".into());
//! let report = ingest(&[Input::Path("export.jsonl.gz".into())], &opts).await?;
//! println!("{} tasks, {} quarantined", report.tasks_read, report.quarantined);
//! # Ok(()) }
//! ```

mod error;
mod ingester;
mod input;
mod options;
mod pipeline;
mod report;

pub use error::IngestError;
pub use ingester::{Ingester, ingest};
pub use input::Input;
pub use options::{IngestCounters, IngestOptions};
pub use report::IngestReport;
