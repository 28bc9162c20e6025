//! taskq-flatten: task JSON bytes → task records → Arrow batches, one per table.
//!
//! [`RecordReader`] splits a decompressed stream into records whatever the container (JSONL,
//! array, envelope); [`Flattener`] parses each record, redacts secrets, checks the record rules
//! and appends one task's rows to every table it touches. Nothing is ever dropped silently: a
//! record that breaks the rules comes back as a [`Rejected`] with its reason, and anything odd
//! inside an accepted task lands in that row's `extra_json`.
//!
//! ```
//! use taskq_flatten::{Flattener, RecordReader};
//!
//! let jsonl = br#"{"task_id":"t1","threads":[{"turns":[{"messages":[{"role":"assistant","annotations":[{"key":"overall","value":4}]}]}]}]}
//! {"task_id":"t2","created_at":5}
//! "#;
//! let mut f = Flattener::new();
//! let mut rejected = Vec::new();
//! for record in RecordReader::new(&jsonl[..]) {
//!     rejected.extend(f.push(&record.unwrap()));
//! }
//! assert_eq!(rejected.len(), 1); // t2: created_at is a number
//! let batches = f.flush().unwrap();
//! let annotations = batches.get(taskq_core::Table::Annotations).unwrap();
//! assert_eq!(annotations.num_rows(), 1);
//! ```

mod builder;
mod envelope;
mod error;
mod fields;
mod flattener;
mod json;
mod reader;
mod task;

pub use envelope::Delivery;
pub use error::{RecordError, Rejected};
pub use flattener::{Batches, FlattenStats, Flattener};
pub use reader::{Record, RecordKind, RecordReader};
