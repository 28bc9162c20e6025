//! Agreement between raters: `krippendorff_alpha`, `fleiss_kappa`, `percent_agreement`,
//! `cohen_kappa`.

use std::sync::{Arc, LazyLock};

use arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int64Array};
use arrow::datatypes::{DataType, Fields};
use datafusion::error::Result;
use datafusion::logical_expr::AggregateUDF;
use datafusion::scalar::ScalarValue;
use taskq_stats::{Agreement, Level, Ratings, Value, Weights, cohen_kappa as cohen};

use super::define::{Aggregate, Arg, Doc, failed, fields, integer, one_struct, text};

/// A label as agreement compares it: text that reads as a number is that number, so `"3"` and
/// `3.0` agree and ordinal levels order numerically.
fn value(s: &str) -> Value {
    match s.trim().parse::<f64>() {
        Ok(x) if x.is_finite() => Value::Number(x),
        _ => Value::Text(s.to_owned()),
    }
}

fn unit_arg() -> Arg {
    Arg::column(
        "unit",
        DataType::Utf8,
        "What was rated: values of one unit are compared with each other.",
    )
}

fn value_arg() -> Arg {
    Arg::column(
        "value",
        DataType::Utf8,
        "The label; text that reads as a number is that number. Null values are skipped.",
    )
}

fn bootstrap_args() -> [Arg; 2] {
    [
        Arg::constant(
            "rounds",
            ScalarValue::Int64(Some(1000)),
            "Bootstrap rounds over units for the 95% percentile interval; 0 for none.",
        ),
        Arg::constant(
            "seed",
            ScalarValue::Int64(Some(0)),
            "Seed of the bootstrap.",
        ),
    ]
}

fn agreement_fields(estimate: &str) -> Fields {
    fields(&[
        (estimate, DataType::Float64),
        ("lower", DataType::Float64),
        ("upper", DataType::Float64),
        ("units", DataType::Int64),
        ("values", DataType::Int64),
    ])
}

static ALPHA: LazyLock<Fields> = LazyLock::new(|| agreement_fields("alpha"));
static KAPPA: LazyLock<Fields> = LazyLock::new(|| agreement_fields("kappa"));

fn result(fields: &Fields, a: &Agreement) -> Result<ScalarValue> {
    let f = |x: Option<f64>| -> ArrayRef { Arc::new(Float64Array::from(vec![x])) };
    let i = |x: u64| -> ArrayRef { Arc::new(Int64Array::from(vec![x as i64])) };
    one_struct(
        fields,
        vec![f(a.value), f(a.lower), f(a.upper), i(a.units), i(a.values)],
    )
}

/// The non-null (unit, rater, value) rows of the first columns.
fn ratings(unit: &ArrayRef, rater: Option<&ArrayRef>, values: &ArrayRef) -> Ratings {
    let unit = unit.as_string::<i32>();
    let rater = rater.map(|r| r.as_string::<i32>());
    let values = values.as_string::<i32>();
    let mut r = Ratings::new();
    for i in 0..unit.len() {
        if unit.is_null(i) || values.is_null(i) {
            continue;
        }
        let who = rater.filter(|r| r.is_valid(i)).map(|r| r.value(i));
        r.push(unit.value(i), who, value(values.value(i)));
    }
    r
}

fn rounds(name: &str, v: &ScalarValue) -> Result<usize> {
    let n = integer(v).unwrap_or(1000);
    usize::try_from(n).map_err(|_| {
        datafusion::error::DataFusionError::Plan(format!("{name}: rounds is 0 or more; got {n}"))
    })
}

pub(crate) fn krippendorff_alpha() -> AggregateUDF {
    let mut args = vec![
        unit_arg(),
        Arg::column(
            "rater",
            DataType::Utf8,
            "Who gave the value: a rater's repeated identical value for a unit counts once. \
             Null makes the value its own rater's.",
        ),
        value_arg(),
        Arg::constant(
            "level",
            ScalarValue::Utf8(Some("nominal".into())),
            "Level of measurement: 'nominal', 'ordinal', 'interval' or 'ratio' (the last three \
             need numbers; ordinal and ratio take at most 2,000 distinct values).",
        ),
    ];
    args.extend(bootstrap_args());
    Aggregate::udaf(
        "krippendorff_alpha",
        args,
        DataType::Struct(ALPHA.clone()),
        &Doc {
            description: "Krippendorff's alpha, 1 − (n − 1)·Σ o·δ² / Σ n_c·n_k·δ², over units \
                          with two or more values (Krippendorff 2011), with a percentile bootstrap \
                          interval over units. Returns alpha, lower, upper, units (those with two \
                          or more values) and values (in those units). Alpha is null when there is \
                          no unit with two values or no variation at all.",
            example: "SELECT key, round(a.alpha, 4) AS alpha, round(a.lower, 4) AS lower, \
                      round(a.upper, 4) AS upper, a.units AS units, a.values AS values\n\
                      FROM (SELECT key, krippendorff_alpha(concat(prompt_hash, '/', source_id), \
                      contributor_id, value, 'ordinal', 200) AS a\n      \
                      FROM message_scores WHERE scope = 'message' GROUP BY key)\n\
                      ORDER BY key",
        },
        |columns, constants| {
            let level = Level::from_name(text(&constants[0]).unwrap_or("nominal"))
                .map_err(|e| failed("krippendorff_alpha", e))?;
            let r = ratings(&columns[0], Some(&columns[1]), &columns[2]);
            let a = r
                .krippendorff_alpha(
                    level,
                    rounds("krippendorff_alpha", &constants[1])?,
                    integer(&constants[2]).unwrap_or(0) as u64,
                    0.95,
                )
                .map_err(|e| failed("krippendorff_alpha", e))?;
            result(&ALPHA, &a)
        },
    )
}

pub(crate) fn fleiss_kappa() -> AggregateUDF {
    let mut args = vec![unit_arg(), value_arg()];
    args.extend(bootstrap_args());
    Aggregate::udaf(
        "fleiss_kappa",
        args,
        DataType::Struct(KAPPA.clone()),
        &Doc {
            description: "Fleiss' kappa, (P̄ − P̄e)/(1 − P̄e), for units that each have the same \
                          number of values (an error otherwise: krippendorff_alpha takes any \
                          number), with a percentile bootstrap interval over units. Returns \
                          kappa, lower, upper, units and values; units with one value are left \
                          out.",
            example: "SELECT round(k.kappa, 4) AS kappa, round(k.lower, 4) AS lower, \
                      round(k.upper, 4) AS upper, k.units AS units, k.values AS values\n\
                      FROM (SELECT fleiss_kappa(concat(prompt_hash, '/', source_id), value, 200) AS k\n      \
                      FROM message_scores WHERE key = 'truthfulness')",
        },
        |columns, constants| {
            let r = ratings(&columns[0], None, &columns[1]);
            let k = r
                .fleiss_kappa(
                    rounds("fleiss_kappa", &constants[0])?,
                    integer(&constants[1]).unwrap_or(0) as u64,
                    0.95,
                )
                .map_err(|e| failed("fleiss_kappa", e))?;
            result(&KAPPA, &k)
        },
    )
}

pub(crate) fn percent_agreement() -> AggregateUDF {
    Aggregate::udaf(
        "percent_agreement",
        vec![unit_arg(), value_arg()],
        DataType::Float64,
        &Doc {
            description: "The share of agreeing pairs of values within a unit, Σ n_c(n_c − 1) / \
                          (m(m − 1)), averaged over units with two or more values, each unit \
                          weighted equally (Fleiss' P̄). Null when no unit has two values.",
            example: "SELECT key, round(percent_agreement(concat(prompt_hash, '/', source_id), value), 4) \
                      AS agreement\n\
                      FROM message_scores WHERE scope = 'message' GROUP BY key ORDER BY key",
        },
        |columns, _| {
            let p = ratings(&columns[0], None, &columns[1]).percent_agreement();
            Ok(ScalarValue::Float64(p.value))
        },
    )
}

pub(crate) fn cohen_kappa() -> AggregateUDF {
    Aggregate::udaf(
        "cohen_kappa",
        vec![
            Arg::column(
                "value_a",
                DataType::Utf8,
                "The first rater's label of an item.",
            ),
            Arg::column(
                "value_b",
                DataType::Utf8,
                "The second rater's label of the item.",
            ),
            Arg::constant(
                "weights",
                ScalarValue::Utf8(Some("none".into())),
                "'none', 'linear' or 'quadratic': a disagreement weighs the distance between \
                 the labels' positions in their sorted list (numbers sort as numbers).",
            ),
        ],
        DataType::Float64,
        &Doc {
            description: "Cohen's kappa between two raters, 1 − Σ w·O / Σ w·E, over the rows where \
                          both labels are present; scikit-learn's cohen_kappa_score. Null when \
                          the expected disagreement is 0.",
            example: "SELECT round(cohen_kappa(a, b), 4) AS kappa, round(cohen_kappa(a, b, 'linear'), 4) AS linear\n\
                      FROM (VALUES (1, 1), (1, 2), (2, 2), (3, 3), (3, 2), (2, 2)) AS t(a, b)",
        },
        |columns, constants| {
            let a = columns[0].as_string::<i32>();
            let b = columns[1].as_string::<i32>();
            let weights = Weights::from_name(text(&constants[0]).unwrap_or("none"))
                .map_err(|e| failed("cohen_kappa", e))?;
            let pairs: Vec<(Value, Value)> = (0..a.len())
                .filter(|&i| a.is_valid(i) && b.is_valid(i))
                .map(|i| (value(a.value(i)), value(b.value(i))))
                .collect();
            Ok(ScalarValue::Float64(cohen(&pairs, weights)))
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_that_read_as_numbers_are_numbers() {
        assert_eq!(value("3"), value("3.0"));
        assert_eq!(value(" 2 "), Value::Number(2.0));
        assert_eq!(value("good"), Value::Text("good".into()));
        assert_eq!(value("NaN"), Value::Text("NaN".into()));
    }
}
