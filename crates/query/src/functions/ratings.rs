//! Leaderboards: `bradley_terry` and `bradley_terry_length`, aggregates over comparisons.

use std::sync::{Arc, LazyLock};

use arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int64Array, StringArray, StructArray};
use arrow::datatypes::{DataType, Fields, Float64Type};
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::AggregateUDF;
use datafusion::scalar::ScalarValue;
use taskq_stats::{Battles, BtOptions, Leaderboard};

use super::define::{Aggregate, Arg, Doc, failed, integer, list_of, list_type, number, text};

static RATING: LazyLock<Fields> = LazyLock::new(|| {
    super::define::fields(&[
        ("model", DataType::Utf8),
        ("rating", DataType::Float64),
        ("lower", DataType::Float64),
        ("upper", DataType::Float64),
        ("rank", DataType::Int64),
        ("battles", DataType::Int64),
        ("wins", DataType::Int64),
        ("losses", DataType::Int64),
        ("ties", DataType::Int64),
        ("same_model", DataType::Int64),
        ("rounds_used", DataType::Int64),
        ("length_coefficient", DataType::Float64),
        ("note", DataType::Utf8),
    ])
});

fn comparison_args() -> Vec<Arg> {
    vec![
        Arg::column(
            "unit",
            DataType::Utf8,
            "The judgement a comparison came from: a bootstrap round redraws units whole, so \
             the pairs of one ranking stay together. Null makes the row its own unit.",
        ),
        Arg::column("model_a", DataType::Utf8, "One side's model."),
        Arg::column("model_b", DataType::Utf8, "The other side's model."),
        Arg::column(
            "outcome",
            DataType::Float64,
            "model_a's score: 1 a win, 0.5 a tie, 0 a loss.",
        ),
    ]
}

fn option_args() -> Vec<Arg> {
    vec![
        Arg::constant(
            "rounds",
            ScalarValue::Int64(Some(1000)),
            "Bootstrap rounds for the 95% percentile interval; 0 for none.",
        ),
        Arg::constant(
            "seed",
            ScalarValue::Int64(Some(0)),
            "Seed of the bootstrap: the same seed, the same intervals.",
        ),
        Arg::constant(
            "anchor_model",
            ScalarValue::Utf8(None),
            "A model whose rating is fixed at anchor_rating (every round shifted alike); \
             without one, ratings average 1000.",
        ),
        Arg::constant(
            "anchor_rating",
            ScalarValue::Float64(Some(1000.0)),
            "The anchor model's rating.",
        ),
    ]
}

pub(crate) fn bradley_terry() -> AggregateUDF {
    let mut args = comparison_args();
    args.extend(option_args());
    Aggregate::udaf(
        "bradley_terry",
        args,
        list_type(&RATING),
        &Doc {
            description: "Bradley–Terry ratings on the Elo scale (400 points for tenfold odds), \
                          one struct per model, best first: the unregularised maximum-likelihood \
                          rating with ties as half a win (FastChat's compute_bt), its bootstrap \
                          interval (lower, upper), rank (1 + the models whose interval lies \
                          wholly above), battles, wins, losses, ties, and same_model: pairs of a \
                          model with itself, counted but not fitted. When the comparisons give \
                          no finite rating (a model never loses, or groups of models were never \
                          compared), rating is null and note says why. Rows with a null model or \
                          outcome are skipped. Expand with unnest: \
                          `SELECT unnest(r) FROM (SELECT unnest(bradley_terry(...)) AS r FROM ...)`.",
            example: "SELECT r.model AS model, round(r.rating) AS rating, round(r.lower) AS lower, \
                      round(r.upper) AS upper, r.rank AS rank, r.battles AS battles, r.note AS note\n\
                      FROM (SELECT unnest(bradley_terry(comparison_unit, model_a, model_b, outcome, 200)) AS r\n      \
                      FROM comparisons WHERE source = 'selected_model_id')\n\
                      ORDER BY rank, model",
        },
        compute_plain,
    )
}

pub(crate) fn bradley_terry_length() -> AggregateUDF {
    let mut args = comparison_args();
    args.push(Arg::column(
        "length_a",
        DataType::Float64,
        "model_a's response length (characters or tokens).",
    ));
    args.push(Arg::column(
        "length_b",
        DataType::Float64,
        "model_b's response length.",
    ));
    args.extend(option_args());
    Aggregate::udaf(
        "bradley_terry_length",
        args,
        list_type(&RATING),
        &Doc {
            description: "Length-controlled Bradley–Terry ratings: the fit of bradley_terry with \
                          the standardised length difference (len_a − len_b)/(len_a + len_b + 1) \
                          as a covariate and FastChat's style-control ridge (0.25 of the squared \
                          ratings and coefficient). The ratings say how models compare at equal \
                          length; length_coefficient is the covariate's weight (above 0: longer \
                          answers win more). Same fields as bradley_terry.",
            example: "SELECT r.model AS model, round(r.rating) AS rating, round(r.length_coefficient, 3) AS length_coefficient\n\
                      FROM (SELECT unnest(bradley_terry_length(comparison_unit, model_a, model_b, outcome, \
                      text_length_a, text_length_b, 0)) AS r\n      \
                      FROM comparisons WHERE source = 'selected_model_id')\n\
                      ORDER BY rating DESC",
        },
        compute_length,
    )
}

fn compute_plain(columns: &[ArrayRef], constants: &[ScalarValue]) -> Result<ScalarValue> {
    compute("bradley_terry", columns, constants, false)
}

fn compute_length(columns: &[ArrayRef], constants: &[ScalarValue]) -> Result<ScalarValue> {
    compute("bradley_terry_length", columns, constants, true)
}

fn compute(
    name: &str,
    columns: &[ArrayRef],
    constants: &[ScalarValue],
    with_length: bool,
) -> Result<ScalarValue> {
    let unit = columns[0].as_string::<i32>();
    let a = columns[1].as_string::<i32>();
    let b = columns[2].as_string::<i32>();
    let outcome = columns[3].as_primitive::<Float64Type>();
    let lengths = with_length.then(|| {
        (
            columns[4].as_primitive::<Float64Type>(),
            columns[5].as_primitive::<Float64Type>(),
        )
    });
    let mut battles = Battles::new();
    let mut length_pairs = Vec::new();
    for i in 0..unit.len() {
        if a.is_null(i) || b.is_null(i) || outcome.is_null(i) {
            continue;
        }
        if let Some((la, lb)) = lengths {
            if la.is_null(i) || lb.is_null(i) {
                continue;
            }
            length_pairs.push((la.value(i), lb.value(i)));
        }
        let own;
        let u = if unit.is_null(i) {
            own = format!("\u{0}row {i}");
            own.as_str()
        } else {
            unit.value(i)
        };
        battles
            .push(u, a.value(i), b.value(i), outcome.value(i))
            .map_err(|e| failed(name, e))?;
    }
    let rounds = integer(&constants[0]).unwrap_or(1000);
    let options = BtOptions {
        rounds: usize::try_from(rounds).map_err(|_| {
            DataFusionError::Plan(format!("{name}: rounds is 0 or more; got {rounds}"))
        })?,
        seed: integer(&constants[1]).unwrap_or(0) as u64,
        anchor: text(&constants[2])
            .map(|m| (m.to_owned(), number(&constants[3]).unwrap_or(1000.0))),
        ..BtOptions::default()
    };
    let board = if with_length {
        battles.fit_with_length(&length_pairs, &options)
    } else {
        battles.fit(&options)
    }
    .map_err(|e| failed(name, e))?;
    Ok(list_of(leaderboard(&board)?))
}

fn leaderboard(board: &Leaderboard) -> Result<StructArray> {
    let r = &board.ratings;
    let count = |f: fn(&taskq_stats::Rating) -> u64| -> ArrayRef {
        Arc::new(Int64Array::from_iter_values(r.iter().map(|x| f(x) as i64)))
    };
    let float = |f: fn(&taskq_stats::Rating) -> Option<f64>| -> ArrayRef {
        Arc::new(Float64Array::from_iter(r.iter().map(f)))
    };
    let n = r.len();
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(r.iter().map(|x| &x.model))),
        float(|x| x.rating),
        float(|x| x.lower),
        float(|x| x.upper),
        Arc::new(Int64Array::from_iter(
            r.iter().map(|x| x.rank.map(i64::from)),
        )),
        count(|x| x.battles),
        count(|x| x.wins),
        count(|x| x.losses),
        count(|x| x.ties),
        count(|x| x.same_model),
        Arc::new(Int64Array::from_iter_values(std::iter::repeat_n(
            board.rounds_used as i64,
            n,
        ))),
        Arc::new(Float64Array::from_iter(std::iter::repeat_n(
            board.length_coefficient,
            n,
        ))),
        Arc::new(StringArray::from_iter(r.iter().map(|x| x.note.as_deref()))),
    ];
    Ok(StructArray::try_new(RATING.clone(), columns, None)?)
}
