//! The session: DataFusion's settings for taskq, and the dataset's tables registered by name.

use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use datafusion::error::DataFusionError;
use datafusion::logical_expr::{Expr, LogicalPlan};
use datafusion::prelude::{DataFrame, SessionConfig, SessionContext};
use datafusion::sql::parser::{DFParserBuilder, Statement};
use futures::StreamExt;
use taskq_store::Dataset;

use crate::QueryError;
use crate::catalog;
use crate::format::{self, Output, ResultWriter};
use crate::named::Params;

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
        // A hash join would push its build side into the probe side's scan as a filter, which
        // the reader then evaluates row by row: a hash and a lookup for every row, repeated by
        // the join itself. taskq's joins (messages to their turns' annotations, tasks to their
        // annotations) mostly keep the probe rows or scatter the ones they drop, and their keys
        // are not clustered for the filter's bounds to prune (docs/performance.md, "Query
        // settings"). A user can `SET` it back on.
        let optimizer = &mut config.options_mut().optimizer;
        optimizer.enable_join_dynamic_filter_pushdown = false;
        let mut ctx = SessionContext::new_with_config(config);
        // metadata, value_json, extra_json and possible_values are JSON text: json_get_str,
        // json_contains, `->>` and the rest read them in place.
        datafusion_functions_json::register_all(&mut ctx)
            .unwrap_or_else(|e| unreachable!("a new session takes any function: {e}"));
        crate::functions::register(&ctx);
        let schema = catalog::DatasetSchema::new(dataset, ctx.runtime_env());
        let catalog = datafusion::catalog::MemoryCatalogProvider::new();
        datafusion::catalog::CatalogProvider::register_schema(&catalog, "public", Arc::new(schema))
            .unwrap_or_else(|e| unreachable!("a new memory catalog takes any schema: {e}"));
        ctx.register_catalog("taskq", Arc::new(catalog));
        Session { ctx }
    }

    /// Runs SQL statements separated by `;` in order and collects the result of the last one.
    /// The ones before it may only change the session (`SET datafusion.…`, `CREATE VIEW`):
    /// a query there is refused rather than run for rows nobody sees.
    pub async fn sql(&self, sql: &str) -> Result<QueryResult, QueryError> {
        self.sql_with_params(sql, &Params::none()).await
    }

    /// [`Session::sql`] with values for the query's parameters (`$name`), as
    /// [`crate::NamedQuery::bind`] gives them.
    pub async fn sql_with_params(
        &self,
        sql: &str,
        params: &Params,
    ) -> Result<QueryResult, QueryError> {
        let df = self.bound(sql, params).await?;
        let schema = SchemaRef::new(df.schema().as_arrow().clone());
        let batches = df.collect().await?;
        Ok(QueryResult { schema, batches })
    }

    /// Runs SQL statements as [`Session::sql`] does and writes the rows of the last one to
    /// `out` as `output` says, as they come: a large result is never held whole, and
    /// formatting goes on while the query still runs. A query that fails part way may have
    /// written some rows.
    pub async fn sql_to<W: std::io::Write + Send>(
        &self,
        sql: &str,
        output: &Output,
        out: W,
    ) -> Result<(), QueryError> {
        self.sql_with_params_to(sql, &Params::none(), output, out)
            .await
    }

    /// [`Session::sql_to`] with values for the query's parameters (`$name`), as
    /// [`crate::NamedQuery::bind`] gives them.
    pub async fn sql_with_params_to<W: std::io::Write + Send>(
        &self,
        sql: &str,
        params: &Params,
        output: &Output,
        out: W,
    ) -> Result<(), QueryError> {
        let df = self.bound(sql, params).await?;
        let schema = SchemaRef::new(df.schema().as_arrow().clone());
        let mut batches = df.execute_stream().await?;
        let mut w = ResultWriter::new(&schema, output, out)?;
        while let Some(batch) = batches.next().await {
            w.write(&batch?)?;
        }
        w.finish()
    }

    /// Plans `sql` as [`Session::last_statement`] does, with `params` bound; a parameter
    /// with no value is an error that says how to give one.
    async fn bound(&self, sql: &str, params: &Params) -> Result<DataFrame, QueryError> {
        let df = self.last_statement(sql).await?;
        let mut unbound: Vec<String> = df
            .logical_plan()
            .get_parameter_names()?
            .into_iter()
            .filter(|n| !params.0.iter().any(|(p, _)| n.strip_prefix('$') == Some(p)))
            .collect();
        if !unbound.is_empty() {
            unbound.sort();
            return Err(QueryError::Statement(format!(
                "the SQL has parameters with no value: {}; a named query takes them as \
                 `taskq query NAME --param NAME=VALUE`",
                unbound.join(", ")
            )));
        }
        if params.0.is_empty() {
            return Ok(df);
        }
        Ok(df.with_param_values(params.0.clone())?)
    }

    /// Runs every statement of `sql` but the last, and plans the last.
    async fn last_statement(&self, sql: &str) -> Result<DataFrame, QueryError> {
        let state = self.ctx.state();
        let options = state.config().options();
        let dialect = datafusion::sql::sqlparser::dialect::dialect_from_str(
            options.sql_parser.dialect.as_ref(),
        )
        .ok_or_else(|| QueryError::Statement("unknown SQL dialect".into()))?;
        let mut statements = DFParserBuilder::new(sql)
            .with_dialect(dialect.as_ref())
            .with_recursion_limit(options.sql_parser.recursion_limit.get())
            .build()?
            .parse_statements()?;
        let last = statements
            .pop_back()
            .ok_or_else(|| QueryError::Statement("no SQL statement given".into()))?;
        for (i, statement) in statements.into_iter().enumerate() {
            // Each statement is planned against the session as the ones before left it.
            let plan = self.plan(statement).await?;
            if !matches!(plan, LogicalPlan::Statement(_) | LogicalPlan::Ddl(_)) {
                return Err(QueryError::Statement(format!(
                    "statement {} returns rows, but only the last statement's rows are \
                     output: end it there, or run it on its own",
                    i + 1
                )));
            }
            self.ctx.execute_logical_plan(plan).await?.collect().await?;
        }
        let plan = self.plan(last).await?;
        let df = self.ctx.execute_logical_plan(plan).await?;
        Ok(json_values_as_text(df)?)
    }

    /// Plans one statement; a table that does not exist is named with the ones that do.
    async fn plan(&self, statement: Statement) -> Result<LogicalPlan, QueryError> {
        let e = match self.ctx.state().statement_to_plan(statement).await {
            Ok(plan) => return Ok(plan),
            Err(e) => e,
        };
        if let DataFusionError::Plan(reason) = e.find_root() {
            let missing = reason
                .strip_prefix("table '")
                .and_then(|r| r.strip_suffix("' not found"));
            if let Some(name) = missing {
                let name = name.strip_prefix("taskq.public.").unwrap_or(name);
                let tables = self
                    .ctx
                    .catalog("taskq")
                    .and_then(|c| c.schema("public"))
                    .map(|s| s.table_names())
                    .unwrap_or_default();
                return Err(QueryError::Statement(format!(
                    "no table `{name}`; the tables are {}",
                    tables.join(", ")
                )));
            }
        }
        Err(e.into())
    }
}

/// `json_get` and `->` give a union of JSON's kinds, which CSV and Parquet cannot hold and a
/// table shows as `{str=…}`: a result column of that type is given as its JSON text, as
/// Postgres prints `->`.
fn json_values_as_text(df: DataFrame) -> datafusion::error::Result<DataFrame> {
    let union = &*datafusion_functions_json::JSON_UNION_DATA_TYPE;
    if !df.schema().fields().iter().any(|f| f.data_type() == union) {
        return Ok(df);
    }
    let to_text = datafusion_functions_json::udfs::json_union_to_text_udf();
    let columns: Vec<Expr> = df
        .schema()
        .iter()
        .map(|(qualifier, field)| {
            let column = Expr::from((qualifier, field));
            if field.data_type() == union {
                to_text.call(vec![column]).alias(field.name())
            } else {
                column
            }
        })
        .collect();
    df.select(columns)
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
        output: &Output,
        out: &mut W,
    ) -> Result<(), QueryError> {
        format::write(&self.schema, &self.batches, output, out)
    }
}
