//! Intervals: `mean_ci` (an aggregate), `wilson_lower`, `wilson_upper`, `t_quantile`, `chi2_sf`.

use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, AsArray, Float64Array, Int64Array};
use arrow::datatypes::{DataType, Fields, Float64Type};
use datafusion::logical_expr::{AggregateUDF, ScalarUDF};
use datafusion::scalar::ScalarValue;
use taskq_stats::{chi2_sf as chi2, mean_interval, t_quantile as t, wilson};

use super::define::{Aggregate, Arg, Doc, Scalar, failed, fields, number, one_struct};

static MEAN: LazyLock<Fields> = LazyLock::new(|| {
    fields(&[
        ("mean", DataType::Float64),
        ("lower", DataType::Float64),
        ("upper", DataType::Float64),
        ("n", DataType::Int64),
    ])
});

fn confidence() -> Arg {
    Arg::constant(
        "confidence",
        ScalarValue::Float64(Some(0.95)),
        "Coverage of the interval.",
    )
}

pub(crate) fn mean_ci() -> AggregateUDF {
    Aggregate::udaf(
        "mean_ci",
        vec![
            Arg::column("x", DataType::Float64, "The values; nulls are skipped."),
            confidence(),
        ],
        DataType::Struct(MEAN.clone()),
        &Doc {
            description: "The mean and its t-interval, x̄ ± t(1 − α/2, n − 1)·s/√n with the sample \
                          standard deviation s (n − 1), as scipy.stats.t.interval with sem. \
                          Returns mean, lower, upper and n; the interval is null below two values.",
            example: "SELECT model, m.n AS n, round(m.mean, 3) AS mean, round(m.lower, 3) AS lower, round(m.upper, 3) AS upper\n\
                      FROM (SELECT model, mean_ci(value_num) AS m FROM message_scores\n      \
                      WHERE key = 'truthfulness' GROUP BY model)\n\
                      ORDER BY model",
        },
        |columns, constants| {
            let x = columns[0].as_primitive::<Float64Type>();
            let values: Vec<f64> = x.iter().flatten().collect();
            let level = number(&constants[0]).unwrap_or(0.95);
            let m = mean_interval(&values, level).map_err(|e| failed("mean_ci", e))?;
            let f = |v: Option<f64>| -> ArrayRef { Arc::new(Float64Array::from(vec![v])) };
            one_struct(
                &MEAN,
                vec![
                    f(m.mean),
                    f(m.lower),
                    f(m.upper),
                    Arc::new(Int64Array::from(vec![m.n as i64])),
                ],
            )
        },
    )
}

fn wilson_args() -> Vec<Arg> {
    vec![
        Arg::column(
            "successes",
            DataType::Float64,
            "How many were successes (wins, yes).",
        ),
        Arg::column("n", DataType::Float64, "Out of how many."),
        confidence(),
    ]
}

pub(crate) fn wilson_lower() -> ScalarUDF {
    Scalar::udf(
        "wilson_lower",
        wilson_args(),
        &Doc {
            description: "Lower bound of Wilson's score interval for a proportion, \
                          (p̂ + z²/2n − z·√(p̂(1 − p̂)/n + z²/4n²)) / (1 + z²/n); statsmodels' \
                          proportion_confint(method='wilson'). Null for n = 0.",
            example: "SELECT round(wilson_lower(8, 10), 6) AS lower, round(wilson_upper(8, 10), 6) AS upper",
        },
        |a| {
            Ok(wilson(a[0], a[1], a[2])
                .map_err(|e| failed("wilson_lower", e))?
                .map(|w| w.0))
        },
    )
}

pub(crate) fn wilson_upper() -> ScalarUDF {
    Scalar::udf(
        "wilson_upper",
        wilson_args(),
        &Doc {
            description: "Upper bound of Wilson's score interval for a proportion (see \
                          wilson_lower). Null for n = 0.",
            example: "SELECT round(wilson_upper(0, 10), 6) AS upper",
        },
        |a| {
            Ok(wilson(a[0], a[1], a[2])
                .map_err(|e| failed("wilson_upper", e))?
                .map(|w| w.1))
        },
    )
}

pub(crate) fn t_quantile() -> ScalarUDF {
    Scalar::udf(
        "t_quantile",
        vec![
            Arg::column("p", DataType::Float64, "The probability, between 0 and 1."),
            Arg::column("df", DataType::Float64, "Degrees of freedom."),
        ],
        &Doc {
            description: "The p quantile of Student's t distribution with df degrees of freedom \
                          (scipy.stats.t.ppf).",
            example: "SELECT round(t_quantile(0.975, 7), 6) AS t",
        },
        |a| Ok(Some(t(a[0], a[1]).map_err(|e| failed("t_quantile", e))?)),
    )
}

pub(crate) fn chi2_sf() -> ScalarUDF {
    Scalar::udf(
        "chi2_sf",
        vec![
            Arg::column("x", DataType::Float64, "The statistic."),
            Arg::column("dof", DataType::Float64, "Degrees of freedom."),
        ],
        &Doc {
            description: "The upper tail of the chi-square distribution, P(X ≥ x): the p-value of \
                          a chi-square statistic (scipy.stats.chi2.sf).",
            example: "SELECT round(chi2_sf(2.7777777778, 2), 6) AS p",
        },
        |a| Ok(Some(chi2(a[0], a[1]).map_err(|e| failed("chi2_sf", e))?)),
    )
}
