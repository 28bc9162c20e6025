//! Generated data must be internally consistent: a demo that shows a rating outside its own
//! scale, a submission before its task was created, or a model compared with itself teaches
//! users to distrust the tool rather than their data.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use serde_json::Value;
use taskq_gen::{GenOptions, Shape, generate};

fn generated(seed: u64, shape: Shape) -> Vec<Value> {
    let mut out = Vec::new();
    generate(
        &GenOptions {
            tasks: 2_000,
            seed,
            shape,
        },
        &mut out,
    )
    .unwrap();
    out.split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect()
}

/// 2,000 tasks of seed 7 (the sample's) and of seed 42 (the benchmarks'), and of seed 42 in the
/// score-heavy shape, each made once for all the tests.
static SEVEN: LazyLock<Vec<Value>> = LazyLock::new(|| generated(7, Shape::Mixed));
static FORTY_TWO: LazyLock<Vec<Value>> = LazyLock::new(|| generated(42, Shape::Mixed));
static SCORES: LazyLock<Vec<Value>> = LazyLock::new(|| generated(42, Shape::Scores));

fn tasks(seed: u64) -> &'static [Value] {
    match seed {
        7 => &SEVEN,
        _ => unreachable!("only seed 7 is taken alone"),
    }
}

/// Every corpus, by name.
fn corpora() -> [(&'static str, &'static [Value]); 3] {
    [
        ("seed 7", &SEVEN),
        ("seed 42", &FORTY_TWO),
        ("seed 42 scores", &SCORES),
    ]
}

fn array<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// Every annotation anywhere in `v`, found by walking every `annotations` array.
fn annotations<'a>(v: &'a Value, out: &mut Vec<&'a Value>) {
    match v {
        Value::Object(o) => {
            out.extend(array(v, "annotations"));
            o.values().for_each(|c| annotations(c, out));
        }
        Value::Array(a) => a.iter().for_each(|c| annotations(c, out)),
        _ => {}
    }
}

fn assistants(turn: &Value) -> impl Iterator<Item = &Value> {
    array(turn, "messages")
        .iter()
        .filter(|m| m["role"] == "assistant")
}

#[test]
fn ratings_stay_on_their_own_scale() {
    for (seed, corpus) in corpora() {
        let mut checked = 0;
        for task in corpus {
            let mut anns = Vec::new();
            annotations(task, &mut anns);
            for a in anns.iter().filter(|a| a["type"] == "integer") {
                let allowed = a["possible_values"].as_array().unwrap();
                assert!(
                    allowed.contains(&a["value"]),
                    "{seed}: {} = {} is not one of {allowed:?}",
                    a["key"],
                    a["value"]
                );
                checked += 1;
            }
        }
        assert!(checked > 1_000, "{seed}: only {checked} integer ratings");
    }
}

#[test]
fn a_turn_never_compares_a_model_with_itself() {
    for (seed, corpus) in corpora() {
        let mut pairwise = 0;
        for task in corpus {
            for turn in array(task, "threads")
                .iter()
                .flat_map(|t| array(t, "turns"))
            {
                let models: Vec<&Value> = assistants(turn)
                    .map(|m| &m["model_parameters"]["model"])
                    .collect();
                let distinct: BTreeSet<String> = models.iter().map(|m| m.to_string()).collect();
                assert_eq!(distinct.len(), models.len(), "{seed}: {models:?}");
                pairwise += usize::from(models.len() >= 2);
            }
        }
        assert!(pairwise > 1_000, "{seed}: only {pairwise} pairwise turns");
    }
}

#[test]
fn submissions_fall_between_creation_and_completion() {
    let mut checked = 0;
    for task in tasks(7) {
        let created = task["created_at"].as_str().unwrap();
        for thread in array(task, "threads") {
            for s in array(thread, "submissions") {
                let completed = task["completed_at"].as_str().unwrap();
                let at = s["submitted_at"].as_str().unwrap();
                // The timestamps share one RFC 3339 form, so text order is time order.
                assert!(created < at && at < completed, "{created} {at} {completed}");
                checked += 1;
            }
        }
    }
    assert!(checked > 1_000, "only {checked} submissions");
}

#[test]
fn model_parameters_vary_within_a_model() {
    let mut temperatures: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for task in tasks(7) {
        for turn in array(task, "threads")
            .iter()
            .flat_map(|t| array(t, "turns"))
        {
            for m in assistants(turn) {
                let p = &m["model_parameters"];
                temperatures
                    .entry(p["model"].to_string())
                    .or_default()
                    .insert(p["temperature"].to_string());
            }
        }
    }
    assert!(temperatures.len() >= 5, "{temperatures:?}");
    for (model, seen) in &temperatures {
        assert!(
            seen.len() >= 2,
            "{model} ran at one temperature only: {seen:?}"
        );
    }
}

/// The assistant answers of a task: what makes two tasks the same item.
fn answers(task: &Value) -> String {
    let mut texts = Vec::new();
    for thread in array(task, "threads") {
        for turn in array(thread, "turns") {
            for m in array(turn, "messages") {
                texts.push(m["content"]["text"].as_str().unwrap_or_default());
            }
        }
    }
    texts.join("\u{1}")
}

#[test]
fn items_go_to_three_contributors_who_agree_at_their_projects_level() {
    for (seed, corpus) in corpora() {
        let mut items: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
        for t in corpus.iter().filter(|t| !array(t, "threads").is_empty()) {
            items.entry(answers(t)).or_default().push(t);
        }
        // Per project: labels compared between an item's first rater and a later one, and
        // how many were the same.
        let mut kept: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        let mut multi = 0;
        for copies in items.values().filter(|c| c.len() > 1) {
            multi += 1;
            assert_eq!(copies.len(), 3, "{seed}: an item has three raters");
            for k in 0..array(copies[0], "threads").len() {
                let who: BTreeSet<String> = copies
                    .iter()
                    .flat_map(|t| array(&array(t, "threads")[k], "submissions"))
                    .map(|s| s["contributor_id"].to_string())
                    .collect();
                assert_eq!(who.len(), 3, "{seed}: thread {k} of an item: {who:?}");
            }
            let labels = |t: &Value| {
                let mut out = Vec::new();
                annotations(t, &mut out);
                out.into_iter()
                    .filter(|a| a["value"].is_number() || a["key"] == "selected_model_id")
                    .map(|a| a["value"].clone())
                    .collect::<Vec<_>>()
            };
            let first = labels(copies[0]);
            let project = copies[0]["project"]
                .as_str()
                .or_else(|| copies[0]["project"]["id"].as_str())
                .unwrap()
                .to_owned();
            for later in &copies[1..] {
                let e = kept.entry(project.clone()).or_default();
                for (a, b) in first.iter().zip(labels(later)) {
                    e.0 += 1;
                    e.1 += usize::from(*a == b);
                }
            }
        }
        assert!(multi > 50, "{seed}: {multi} multi-rated items");
        let levels = [0.95, 0.8, 0.6];
        let mut seen = BTreeSet::new();
        for (project, (n, same)) in kept.iter().filter(|(_, (n, _))| *n >= 200) {
            let rate = *same as f64 / *n as f64;
            let level = levels
                .iter()
                .position(|l| (rate - l).abs() < 0.06)
                .unwrap_or_else(|| panic!("{seed}: {project} agrees at {rate:.3} ({n})"));
            seen.insert(level);
        }
        assert!(seen.len() >= 2, "{seed}: levels seen {seen:?}");
    }
}
