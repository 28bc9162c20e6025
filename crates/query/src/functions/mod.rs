//! taskq's own SQL functions, one file per family; each is its arguments, its documentation
//! and a call into taskq-stats (see `define.rs` for the two shapes they take). Adding one is
//! a function in its family's file and a line in [`aggregates`] or [`scalars`].

mod agreement;
mod define;
mod drift;
mod intervals;
mod ratings;
mod text;

use datafusion::logical_expr::{AggregateUDF, ScalarUDF};
use datafusion::prelude::SessionContext;

fn aggregates() -> Vec<AggregateUDF> {
    vec![
        ratings::bradley_terry(),
        ratings::bradley_terry_length(),
        agreement::krippendorff_alpha(),
        agreement::fleiss_kappa(),
        agreement::cohen_kappa(),
        agreement::percent_agreement(),
        intervals::mean_ci(),
        drift::psi(),
        drift::chi2_test(),
    ]
}

fn scalars() -> Vec<ScalarUDF> {
    vec![
        intervals::wilson_lower(),
        intervals::wilson_upper(),
        intervals::t_quantile(),
        intervals::chi2_sf(),
        text::text_hash(),
    ]
}

pub(crate) fn register(ctx: &SessionContext) {
    for f in aggregates() {
        ctx.register_udaf(f);
    }
    for f in scalars() {
        ctx.register_udf(f);
    }
}

/// One of taskq's functions, as `taskq functions` and docs/functions.md show it.
#[derive(Debug, Clone)]
pub struct Function {
    pub name: String,
    /// `aggregate` or `scalar`.
    pub kind: &'static str,
    pub description: String,
    pub syntax: String,
    /// (name, meaning) of each argument, in order.
    pub arguments: Vec<(String, String)>,
    /// A query over the built-in sample dataset.
    pub example: String,
}

impl Function {
    /// What it computes, in a few words: the description up to its first break.
    pub fn summary(&self) -> &str {
        let d = self.description.as_str();
        let end = [", ", ": ", ". ", "; "]
            .iter()
            .filter_map(|b| d.find(b))
            .min()
            .unwrap_or(d.len());
        d[..end].trim_end_matches('.')
    }
}

/// taskq's own functions, in the order they are listed.
pub fn functions() -> Vec<Function> {
    let from = |name: &str, kind, doc: Option<&datafusion::logical_expr::Documentation>| {
        let doc = doc.unwrap_or_else(|| unreachable!("every taskq function is documented"));
        Function {
            name: name.to_owned(),
            kind,
            description: doc.description.clone(),
            syntax: doc.syntax_example.clone(),
            arguments: doc.arguments.clone().unwrap_or_default(),
            example: doc
                .sql_example
                .as_deref()
                .unwrap_or_default()
                .trim_start_matches("```sql\n")
                .trim_end_matches("\n```")
                .to_owned(),
        }
    };
    let mut out: Vec<Function> = aggregates()
        .iter()
        .map(|f| from(f.name(), "aggregate", f.documentation()))
        .collect();
    out.extend(
        scalars()
            .iter()
            .map(|f| from(f.name(), "scalar", f.documentation())),
    );
    out
}
