//! taskq-core: the names and Arrow schemas of every table in a taskq dataset.
//!
//! The schema is declared here, in code, and nowhere else: the flattener fills these columns, the
//! store creates Delta tables from them, and `docs/schema.md` is checked against them by a test.
//! Nothing is inferred from data, so the same tasks always give the same schema.
//!
//! ```
//! use taskq_core::{Table, annotations};
//!
//! let schema = Table::Annotations.schema();
//! assert_eq!(schema.field(annotations::Col::key as usize).name(), "key");
//! assert!(Table::ALL.iter().all(|t| t.columns()[0].name() == "task_id"));
//! ```
//!
//! I/O lives elsewhere: this crate only knows shapes.

mod docs;
mod redact;
mod schema;

pub use docs::{DOCS_BEGIN, DOCS_END, schema_markdown};
pub use redact::{REDACTED, SECRET_KEYS, redact_text};
pub use schema::*;
