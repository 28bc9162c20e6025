//! taskq-query: SQL over a dataset with DataFusion, and results in the formats users hand on.
//!
//! Every table of the dataset is registered under its name (`tasks`, `annotations`, ...) and
//! opened only when a query names it, at the version the dataset's last completed run left it.
//!
//! ```no_run
//! # async fn demo() -> Result<(), taskq_query::QueryError> {
//! use taskq_query::{Format, Session};
//! use taskq_store::Dataset;
//!
//! let session = Session::open(Dataset::open("taskq-data".as_ref())?);
//! let result = session.sql("SELECT key, value, count(*) FROM annotations GROUP BY 1, 2").await?;
//! result.write(Format::Csv, &mut std::io::stdout())?;
//! # Ok(()) }
//! ```

mod catalog;
mod error;
mod format;

use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use datafusion::prelude::{SessionConfig, SessionContext};
use taskq_store::Dataset;

pub use error::QueryError;
pub use format::Format;

/// A DataFusion session over one dataset.
#[derive(Clone)]
pub struct Session {
    ctx: SessionContext,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").finish_non_exhaustive()
    }
}

impl Session {
    pub fn open(dataset: Dataset) -> Session {
        let mut config = SessionConfig::new()
            .with_information_schema(true)
            .with_default_catalog_and_schema("taskq", "public");
        // Filters evaluated inside the Parquet reader skip decoding the other columns of rows
        // they reject (scope/key filters on annotations, value_num IS NOT NULL).
        let parquet = &mut config.options_mut().execution.parquet;
        parquet.pushdown_filters = true;
        parquet.reorder_filters = true;
        let ctx = SessionContext::new_with_config(config);
        let schema = catalog::DatasetSchema::new(dataset, ctx.runtime_env());
        let catalog = datafusion::catalog::MemoryCatalogProvider::new();
        datafusion::catalog::CatalogProvider::register_schema(&catalog, "public", Arc::new(schema))
            .unwrap_or_else(|e| unreachable!("a new memory catalog takes any schema: {e}"));
        ctx.register_catalog("taskq", Arc::new(catalog));
        Session { ctx }
    }

    /// Runs one SQL statement and collects its result.
    pub async fn sql(&self, query: &str) -> Result<QueryResult, QueryError> {
        let df = self.ctx.sql(query).await?;
        let schema = SchemaRef::new(df.schema().as_arrow().clone());
        let batches = df.collect().await?;
        Ok(QueryResult { schema, batches })
    }
}

/// The rows of a query, with their schema (known even when there are no rows).
#[derive(Debug, Clone)]
pub struct QueryResult {
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
}

impl QueryResult {
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    pub fn write<W: std::io::Write + Send>(
        &self,
        format: Format,
        out: &mut W,
    ) -> Result<(), QueryError> {
        format::write(&self.schema, &self.batches, format, out)
    }
}
