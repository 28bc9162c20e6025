//! Drift between slices: `psi` and `chi2_test`, aggregates.

use std::sync::{Arc, LazyLock};

use arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int64Array};
use arrow::datatypes::{DataType, Fields, Float64Type};
use datafusion::logical_expr::AggregateUDF;
use datafusion::scalar::ScalarValue;
use taskq_stats::{chi_square, psi as population_stability};

use super::define::{Aggregate, Arg, Doc, failed, fields, one_struct};

static TEST: LazyLock<Fields> = LazyLock::new(|| {
    fields(&[
        ("statistic", DataType::Float64),
        ("dof", DataType::Int64),
        ("p_value", DataType::Float64),
    ])
});

pub(crate) fn psi() -> AggregateUDF {
    Aggregate::udaf(
        "psi",
        vec![
            Arg::column(
                "expected",
                DataType::Float64,
                "A bin's count (or share) in the baseline slice; null counts as 0.",
            ),
            Arg::column(
                "actual",
                DataType::Float64,
                "The same bin's count in the slice compared; null counts as 0.",
            ),
        ],
        DataType::Float64,
        &Doc {
            description: "Population stability index over bins, one row a bin: Σ (a − e)·ln(a/e) \
                          with a, e each bin's share of its side's total, an empty bin's share \
                          floored at 0.0001 (not renormalised). Under 0.1 is usually read as \
                          stable, 0.1 to 0.25 as a moderate shift, above 0.25 as a major one. Null \
                          when either side is empty.",
            example: "SELECT round(psi(e, a), 6) AS psi\n\
                      FROM (VALUES (10, 40), (20, 30), (30, 20), (40, 10)) AS t(e, a)",
        },
        |columns, _| {
            let e = columns[0].as_primitive::<Float64Type>();
            let a = columns[1].as_primitive::<Float64Type>();
            let bins: Vec<(f64, f64)> = (0..e.len())
                .map(|i| {
                    let v = |x: &arrow::array::Float64Array| {
                        if x.is_valid(i) { x.value(i) } else { 0.0 }
                    };
                    (v(e), v(a))
                })
                .collect();
            Ok(ScalarValue::Float64(population_stability(&bins)))
        },
    )
}

pub(crate) fn chi2_test() -> AggregateUDF {
    Aggregate::udaf(
        "chi2_test",
        vec![
            Arg::column(
                "slice",
                DataType::Utf8,
                "Which slice a row belongs to: a batch, a week, a vendor.",
            ),
            Arg::column("category", DataType::Utf8, "The row's label."),
        ],
        DataType::Struct(TEST.clone()),
        &Doc {
            description: "Chi-square test of homogeneity: do the slices share one distribution of \
                          labels? Counts rows per (slice, category), leaves out rows with a null \
                          and categories no slice has, and applies Yates' correction at one degree \
                          of freedom (scipy.stats.chi2_contingency). Returns statistic, dof and \
                          p_value; null with fewer than two slices or categories.",
            example: "SELECT round(t.statistic, 6) AS statistic, t.dof AS dof, round(t.p_value, 6) AS p_value\n\
                      FROM (SELECT chi2_test(s, c) AS t\n      \
                      FROM (SELECT 'x' AS s, 'a' AS c FROM range(10) UNION ALL SELECT 'x', 'b' FROM range(10)\n            \
                      UNION ALL SELECT 'x', 'c' FROM range(20) UNION ALL SELECT 'y', 'a' FROM range(20)\n            \
                      UNION ALL SELECT 'y', 'b' FROM range(20) UNION ALL SELECT 'y', 'c' FROM range(20)))",
        },
        |columns, _| {
            let s = columns[0].as_string::<i32>();
            let c = columns[1].as_string::<i32>();
            let rows = (0..s.len())
                .filter(|&i| s.is_valid(i) && c.is_valid(i))
                .map(|i| (s.value(i), c.value(i), 1.0));
            let test = chi_square(rows).map_err(|e| failed("chi2_test", e))?;
            let f = |v: Option<f64>| -> ArrayRef { Arc::new(Float64Array::from(vec![v])) };
            one_struct(
                &TEST,
                vec![
                    f(test.map(|t| t.statistic)),
                    Arc::new(Int64Array::from(vec![test.map(|t| t.dof as i64)])),
                    f(test.map(|t| t.p_value)),
                ],
            )
        },
    )
}
