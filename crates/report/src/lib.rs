//! taskq-report: the results of taskq's named queries as one self-contained HTML page of
//! charts. The charts are SVG drawn by plotters and written into the page; the page has no
//! scripts and loads nothing, so it opens anywhere with no network.
//!
//! Each of [`SECTIONS`] names a query of queries/ and how to chart its rows; whoever runs the
//! queries hands their rows to [`render`]:
//!
//! ```
//! use taskq_report::{Page, SECTIONS, SectionRows, render};
//!
//! let results: Vec<SectionRows> = SECTIONS
//!     .iter()
//!     .map(|s| SectionRows {
//!         section: s,
//!         description: String::from("what the query answers"),
//!         command: format!("taskq query {}", s.query),
//!         sql: String::from("SELECT ..."),
//!         batches: Vec::new(), // the query's rows
//!     })
//!     .collect();
//! let html = render(&Page::default(), &results)?;
//! assert!(html.starts_with("<!DOCTYPE html>"));
//! # Ok::<(), taskq_report::ReportError>(())
//! ```

mod chart;
mod data;
mod error;
mod html;
mod sections;

pub use error::ReportError;
pub use html::{Page, SectionRows, render};
pub use sections::{Chart, SECTIONS, Section};
