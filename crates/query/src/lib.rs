//! taskq-query: SQL over a dataset with DataFusion, and results in the formats users hand on.
//!
//! Every table of the dataset is registered under its name (`tasks`, `annotations`, ...) and
//! opened only when a query names it, at the version the dataset's last completed run left it.
//! Every session also has the views `comparisons` and `message_scores` and taskq's evaluation
//! functions (`bradley_terry`, `krippendorff_alpha`, `mean_ci`, ...; see [`functions`]).
//!
//! ```no_run
//! # async fn demo() -> Result<(), taskq_query::QueryError> {
//! use taskq_query::{Format, Session};
//! use taskq_store::Dataset;
//!
//! let session = Session::open(Dataset::open("taskq-data".as_ref())?);
//! let sql = "SELECT key, value, count(*) FROM annotations GROUP BY 1, 2";
//! session.sql_to(sql, &Format::Csv.into(), std::io::stdout()).await?;
//! # Ok(()) }
//! ```

mod catalog;
mod error;
mod format;
mod functions;
mod named;
mod session;
mod table;
mod views;

pub use error::QueryError;
pub use format::{Format, Output};
pub use functions::{Function, functions};
pub use named::{NamedQuery, Param, ParamType, Params, named_queries, named_query};
pub use session::{QueryResult, Session};
pub use table::TableOptions;
pub use views::{View, ViewColumn, view, views};
