//! Agreement between raters: Krippendorff's alpha, Fleiss' kappa, Cohen's kappa and percent
//! agreement, from the equations in Krippendorff (2011), Fleiss (1971) and Cohen (1960/1968).

use std::collections::{BTreeMap, HashMap};

use crate::StatsError;
use crate::rng::{self, Rng};

/// Krippendorff's level of measurement: which differences between values count, and how much.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Nominal,
    Ordinal,
    Interval,
    Ratio,
}

impl Level {
    pub fn from_name(name: &str) -> Result<Level, StatsError> {
        match name.to_ascii_lowercase().as_str() {
            "nominal" => Ok(Level::Nominal),
            "ordinal" => Ok(Level::Ordinal),
            "interval" => Ok(Level::Interval),
            "ratio" => Ok(Level::Ratio),
            _ => Err(StatsError::Argument(format!(
                "level `{name}` is none of nominal, ordinal, interval, ratio"
            ))),
        }
    }
}

/// Cohen's kappa weights over label positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weights {
    None,
    Linear,
    Quadratic,
}

impl Weights {
    pub fn from_name(name: &str) -> Result<Weights, StatsError> {
        match name.to_ascii_lowercase().as_str() {
            "none" | "" => Ok(Weights::None),
            "linear" => Ok(Weights::Linear),
            "quadratic" => Ok(Weights::Quadratic),
            _ => Err(StatsError::Argument(format!(
                "weights `{name}` are none of none, linear, quadratic"
            ))),
        }
    }
}

/// A value as agreement sees it: numbers compare as numbers, text as text.
#[derive(Debug, Clone)]
pub enum Value {
    Number(f64),
    Text(String),
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for Value {}

impl PartialOrd for Value {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Value {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        match (self, other) {
            (Value::Number(a), Value::Number(b)) => a.total_cmp(b),
            (Value::Number(_), Value::Text(_)) => std::cmp::Ordering::Less,
            (Value::Text(_), Value::Number(_)) => std::cmp::Ordering::Greater,
            (Value::Text(a), Value::Text(b)) => a.cmp(b),
        }
    }
}

/// Ratings of units: the values each unit was given, one per rater.
#[derive(Debug, Default, Clone)]
pub struct Ratings {
    /// unit → (rater, value); a rater's repeated identical value counts once.
    units: HashMap<String, Vec<(Option<String>, Value)>>,
}

/// An agreement coefficient with its bootstrap interval over units.
#[derive(Debug, Clone, PartialEq)]
pub struct Agreement {
    /// None when undefined: no unit with two values, or no variation at all.
    pub value: Option<f64>,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    /// Units with at least two values: the ones agreement is measured on.
    pub units: u64,
    /// Values in those units.
    pub values: u64,
}

impl Ratings {
    pub fn new() -> Ratings {
        Ratings::default()
    }

    /// Adds `rater`'s value for `unit`; with no rater, each value is its own rater's.
    pub fn push(&mut self, unit: &str, rater: Option<&str>, value: Value) {
        let values = self.units.entry(unit.to_owned()).or_default();
        if rater.is_some()
            && values
                .iter()
                .any(|(r, v)| r.as_deref() == rater && *v == value)
        {
            return;
        }
        values.push((rater.map(str::to_owned), value));
    }

    /// The domain in order, and each pairable unit's value counts over it, in unit order.
    fn coded(&self) -> (Vec<Value>, Vec<Vec<(usize, f64)>>) {
        let mut domain: Vec<Value> = self
            .units
            .values()
            .filter(|v| v.len() >= 2)
            .flat_map(|v| v.iter().map(|(_, x)| x.clone()))
            .collect();
        domain.sort();
        domain.dedup();
        let mut names: Vec<&String> = self
            .units
            .iter()
            .filter(|(_, v)| v.len() >= 2)
            .map(|(u, _)| u)
            .collect();
        names.sort();
        let units = names
            .into_iter()
            .map(|u| {
                let mut counts: BTreeMap<usize, f64> = BTreeMap::new();
                for (_, v) in &self.units[u] {
                    let c = domain.binary_search(v).unwrap_or_else(|_| unreachable!());
                    *counts.entry(c).or_default() += 1.0;
                }
                counts.into_iter().collect()
            })
            .collect();
        (domain, units)
    }

    /// Krippendorff's alpha at `level`, with a percentile bootstrap over units (`rounds` 0 for
    /// none).
    pub fn krippendorff_alpha(
        &self,
        level: Level,
        rounds: usize,
        seed: u64,
        confidence: f64,
    ) -> Result<Agreement, StatsError> {
        let (domain, units) = self.coded();
        let numbers: Option<Vec<f64>> = domain
            .iter()
            .map(|v| match v {
                Value::Number(x) => Some(*x),
                Value::Text(_) => None,
            })
            .collect();
        let numbers = match (level, numbers) {
            (_, Some(n)) => n,
            (Level::Nominal, None) => (0..domain.len()).map(|i| i as f64).collect(),
            (_, None) => {
                return Err(StatsError::Argument(format!(
                    "{level:?} alpha needs numbers; the values include text: use 'nominal'"
                )));
            }
        };
        if matches!(level, Level::Ordinal | Level::Ratio) && domain.len() > MAX_PAIRED_VALUES {
            return Err(StatsError::Argument(format!(
                "{level:?} alpha compares every pair of distinct values, and these have {} \
                 (more than {MAX_PAIRED_VALUES}): round or bin them, or use 'interval'",
                domain.len()
            )));
        }
        let alpha = |draws: &[u32]| -> Option<f64> {
            match level {
                Level::Nominal | Level::Interval => {
                    sums_alpha(&units, &numbers, draws, level == Level::Interval)
                }
                Level::Ordinal | Level::Ratio => matrix_alpha(&units, &numbers, draws, level),
            }
        };
        let all = vec![1; units.len()];
        let value = alpha(&all);
        let (lower, upper) = bootstrap(units.len(), rounds, seed, confidence, &alpha);
        Ok(Agreement {
            value,
            lower,
            upper,
            units: units.len() as u64,
            values: units
                .iter()
                .map(|u| u.iter().map(|(_, n)| *n as u64).sum::<u64>())
                .sum(),
        })
    }

    /// Fleiss' kappa; every unit needs the same number of values.
    pub fn fleiss_kappa(
        &self,
        rounds: usize,
        seed: u64,
        confidence: f64,
    ) -> Result<Agreement, StatsError> {
        let (domain, units) = self.coded();
        let sizes: Vec<f64> = units
            .iter()
            .map(|u| u.iter().map(|(_, n)| n).sum())
            .collect();
        let (lo, hi) = sizes
            .iter()
            .fold((f64::MAX, 0.0f64), |(lo, hi), &s| (lo.min(s), hi.max(s)));
        if !units.is_empty() && lo != hi {
            return Err(StatsError::Argument(format!(
                "Fleiss' kappa needs the same number of ratings for every unit; these have \
                 {lo} to {hi}: krippendorff_alpha takes any number"
            )));
        }
        let kappa = |draws: &[u32]| -> Option<f64> {
            let mut p_bar = 0.0;
            let mut totals = vec![0.0; domain.len()];
            let mut count = 0.0;
            for ((unit, &d), &n) in units.iter().zip(draws).zip(&sizes) {
                if d == 0 {
                    continue;
                }
                let d = f64::from(d);
                let sq: f64 = unit.iter().map(|(_, c)| c * c).sum();
                p_bar += d * (sq - n) / (n * (n - 1.0));
                for &(c, k) in unit {
                    totals[c] += d * k;
                }
                count += d;
            }
            let all: f64 = totals.iter().sum();
            if count == 0.0 {
                return None;
            }
            let p_bar = p_bar / count;
            let p_e: f64 = totals.iter().map(|t| (t / all).powi(2)).sum();
            (p_e < 1.0).then(|| (p_bar - p_e) / (1.0 - p_e))
        };
        let all = vec![1; units.len()];
        let value = kappa(&all);
        let (lower, upper) = bootstrap(units.len(), rounds, seed, confidence, &kappa);
        Ok(Agreement {
            value,
            lower,
            upper,
            units: units.len() as u64,
            values: sizes.iter().sum::<f64>() as u64,
        })
    }

    /// The share of agreeing ordered pairs of values within a unit (Fleiss' P̄), averaged over
    /// units with two or more values, each unit weighted equally.
    pub fn percent_agreement(&self) -> Agreement {
        let (_, units) = self.coded();
        let mut sum = 0.0;
        let mut values = 0.0;
        for unit in &units {
            let m: f64 = unit.iter().map(|(_, n)| n).sum();
            sum += unit.iter().map(|(_, n)| n * (n - 1.0)).sum::<f64>() / (m * (m - 1.0));
            values += m;
        }
        Agreement {
            value: (!units.is_empty()).then(|| sum / units.len() as f64),
            lower: None,
            upper: None,
            units: units.len() as u64,
            values: values as u64,
        }
    }
}

/// Ordinal and ratio alpha hold a coincidence matrix of the distinct values squared.
const MAX_PAIRED_VALUES: usize = 2000;

/// Nominal or interval alpha from per-unit sums, in time and memory linear in the values: the
/// coincidence matrix's sums have closed forms for these two difference functions.
fn sums_alpha(
    units: &[Vec<(usize, f64)>],
    numbers: &[f64],
    draws: &[u32],
    interval: bool,
) -> Option<f64> {
    let mut marginal = vec![0.0; numbers.len()];
    let mut observed = 0.0;
    for (unit, &d) in units.iter().zip(draws) {
        if d == 0 {
            continue;
        }
        let d = f64::from(d);
        let (mut m, mut s1, mut s2, mut q) = (0.0, 0.0, 0.0, 0.0);
        for &(c, n) in unit {
            let x = numbers[c];
            m += n;
            s1 += n * x;
            s2 += n * x * x;
            q += n * n;
            marginal[c] += d * n;
        }
        // Σ over ordered pairs of different coders' values of δ², divided by m − 1.
        let pairs = if interval {
            2.0 * (m * s2 - s1 * s1)
        } else {
            m * m - q
        };
        observed += d * pairs / (m - 1.0);
    }
    let n: f64 = marginal.iter().sum();
    let expected = if interval {
        let t1: f64 = marginal.iter().zip(numbers).map(|(c, x)| c * x).sum();
        let t2: f64 = marginal.iter().zip(numbers).map(|(c, x)| c * x * x).sum();
        2.0 * (n * t2 - t1 * t1)
    } else {
        n * n - marginal.iter().map(|c| c * c).sum::<f64>()
    };
    (expected > 0.0).then(|| 1.0 - (n - 1.0) * observed / expected)
}

/// Ordinal or ratio alpha through the coincidence matrix (Krippendorff 2011).
fn matrix_alpha(
    units: &[Vec<(usize, f64)>],
    numbers: &[f64],
    draws: &[u32],
    level: Level,
) -> Option<f64> {
    let v = numbers.len();
    let mut o = vec![0.0; v * v];
    for (unit, &d) in units.iter().zip(draws) {
        if d == 0 {
            continue;
        }
        let m: f64 = unit.iter().map(|(_, n)| n).sum();
        for &(c, nc) in unit {
            for &(k, nk) in unit {
                let pairs = if c == k { nc * (nk - 1.0) } else { nc * nk };
                o[c * v + k] += f64::from(d) * pairs / (m - 1.0);
            }
        }
    }
    let marg: Vec<f64> = (0..v).map(|c| o[c * v..(c + 1) * v].iter().sum()).collect();
    let n: f64 = marg.iter().sum();
    let delta = |c: usize, k: usize| -> f64 {
        let (x, y) = (numbers[c], numbers[k]);
        if level == Level::Ordinal {
            let (lo, hi) = (c.min(k), c.max(k));
            let s: f64 = marg[lo..=hi].iter().sum::<f64>() - (marg[c] + marg[k]) / 2.0;
            s * s
        } else if x + y == 0.0 {
            0.0
        } else {
            ((x - y) / (x + y)).powi(2)
        }
    };
    let (mut observed, mut expected) = (0.0, 0.0);
    for c in 0..v {
        for k in (0..v).filter(|&k| k != c) {
            let d = delta(c, k);
            observed += o[c * v + k] * d;
            expected += marg[c] * marg[k] * d;
        }
    }
    (expected > 0.0).then(|| 1.0 - (n - 1.0) * observed / expected)
}

/// A percentile bootstrap interval of `statistic` over `n` resampled units.
fn bootstrap(
    n: usize,
    rounds: usize,
    seed: u64,
    confidence: f64,
    statistic: &(dyn Fn(&[u32]) -> Option<f64> + Sync),
) -> (Option<f64>, Option<f64>) {
    if n == 0 || rounds == 0 {
        return (None, None);
    }
    // A generator per round, as for Bradley–Terry: the same intervals on any number of cores.
    let mut values: Vec<f64> = rng::in_parallel(rounds, |r| {
        let mut rng = Rng::new(rng::mix(seed, r as u64));
        let mut draws = vec![0u32; n];
        rng::resample(&mut rng, n, &mut draws);
        statistic(&draws)
    })
    .into_iter()
    .flatten()
    .collect();
    values.sort_by(f64::total_cmp);
    let tail = (1.0 - confidence) / 2.0;
    (
        rng::quantile(&values, tail),
        rng::quantile(&values, 1.0 - tail),
    )
}

/// Cohen's kappa between two raters over the items both rated: `(a, b)` per item. Weighted
/// kappa weighs a disagreement by the distance of the labels' positions in their sorted list.
pub fn cohen_kappa(pairs: &[(Value, Value)], weights: Weights) -> Option<f64> {
    let mut labels: Vec<&Value> = pairs.iter().flat_map(|(a, b)| [a, b]).collect();
    labels.sort();
    labels.dedup();
    let k = labels.len();
    let position = |v: &Value| labels.binary_search(&v).unwrap_or_else(|_| unreachable!());
    let mut observed = vec![0.0; k * k];
    for (a, b) in pairs {
        observed[position(a) * k + position(b)] += 1.0;
    }
    let n = pairs.len() as f64;
    let rows: Vec<f64> = (0..k)
        .map(|i| observed[i * k..(i + 1) * k].iter().sum())
        .collect();
    let cols: Vec<f64> = (0..k)
        .map(|j| (0..k).map(|i| observed[i * k + j]).sum())
        .collect();
    let (mut wo, mut we) = (0.0, 0.0);
    for i in 0..k {
        for j in 0..k {
            let d = i.abs_diff(j) as f64;
            let w = match weights {
                Weights::None => f64::from(u8::from(i != j)),
                Weights::Linear => d,
                Weights::Quadratic => d * d,
            };
            wo += w * observed[i * k + j];
            we += w * rows[i] * cols[j] / n;
        }
    }
    (we > 0.0).then(|| 1.0 - wo / we)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(rows: &[&[Option<f64>]]) -> Ratings {
        let mut r = Ratings::new();
        for (coder, row) in rows.iter().enumerate() {
            for (unit, v) in row.iter().enumerate() {
                if let Some(v) = v {
                    r.push(
                        &unit.to_string(),
                        Some(&coder.to_string()),
                        Value::Number(*v),
                    );
                }
            }
        }
        r
    }

    const N: Option<f64> = None;

    /// Krippendorff (2011), 4 observers × 12 units (analytics-methods.md §2.2).
    fn krippendorff_2011() -> Ratings {
        let s = |x: f64| Some(x);
        matrix(&[
            &[
                s(1.),
                s(2.),
                s(3.),
                s(3.),
                s(2.),
                s(1.),
                s(4.),
                s(1.),
                s(2.),
                N,
                N,
                N,
            ],
            &[
                s(1.),
                s(2.),
                s(3.),
                s(3.),
                s(2.),
                s(2.),
                s(4.),
                s(1.),
                s(2.),
                s(5.),
                N,
                s(3.),
            ],
            &[
                N,
                s(3.),
                s(3.),
                s(3.),
                s(2.),
                s(3.),
                s(4.),
                s(2.),
                s(2.),
                s(5.),
                s(1.),
                N,
            ],
            &[
                s(1.),
                s(2.),
                s(3.),
                s(3.),
                s(2.),
                s(4.),
                s(4.),
                s(1.),
                s(2.),
                s(5.),
                s(1.),
                N,
            ],
        ])
    }

    #[test]
    fn krippendorff_alpha_matches_the_published_values() {
        let r = krippendorff_2011();
        for (level, want) in [
            (Level::Nominal, 0.743421),
            (Level::Ordinal, 0.815388),
            (Level::Interval, 0.849107),
            (Level::Ratio, 0.797403),
        ] {
            let a = r.krippendorff_alpha(level, 0, 0, 0.95).unwrap();
            assert!((a.value.unwrap() - want).abs() < 1e-6, "{level:?}: {a:?}");
            assert_eq!((a.units, a.values), (11, 40));
        }
        // Wikipedia's computational example.
        let s = |x: f64| Some(x);
        let w = matrix(&[
            &[
                N,
                N,
                N,
                N,
                N,
                s(3.),
                s(4.),
                s(1.),
                s(2.),
                s(1.),
                s(1.),
                s(3.),
                s(3.),
                N,
                s(3.),
            ],
            &[
                s(1.),
                N,
                s(2.),
                s(1.),
                s(3.),
                s(3.),
                s(4.),
                s(3.),
                N,
                N,
                N,
                N,
                N,
                N,
                N,
            ],
            &[
                N,
                N,
                s(2.),
                s(1.),
                s(3.),
                s(4.),
                s(4.),
                N,
                s(2.),
                s(1.),
                s(1.),
                s(3.),
                s(3.),
                N,
                s(4.),
            ],
        ]);
        for (level, want) in [
            (Level::Nominal, 0.691358),
            (Level::Interval, 0.810845),
            (Level::Ordinal, 0.806721),
            (Level::Ratio, 0.808944),
        ] {
            let a = w.krippendorff_alpha(level, 0, 0, 0.95).unwrap();
            assert!((a.value.unwrap() - want).abs() < 1e-6, "{level:?}: {a:?}");
        }
    }

    #[test]
    fn krippendorff_bootstrap_brackets_alpha_and_is_seeded() {
        let r = krippendorff_2011();
        let a = r.krippendorff_alpha(Level::Nominal, 500, 1, 0.95).unwrap();
        assert!(
            a.lower.unwrap() < 0.7434 && 0.7434 < a.upper.unwrap(),
            "{a:?}"
        );
        assert_eq!(
            a,
            r.krippendorff_alpha(Level::Nominal, 500, 1, 0.95).unwrap()
        );
        let text = {
            let mut t = Ratings::new();
            t.push("u", Some("x"), Value::Text("good".into()));
            t.push("u", Some("y"), Value::Text("bad".into()));
            t
        };
        assert!(
            text.krippendorff_alpha(Level::Interval, 0, 0, 0.95)
                .is_err()
        );
        assert_eq!(
            text.krippendorff_alpha(Level::Nominal, 0, 0, 0.95)
                .unwrap()
                .units,
            1
        );
    }

    #[test]
    fn interval_alpha_takes_any_number_of_distinct_values() {
        // 100,000 distinct values: linear for interval and nominal, refused for ordinal.
        let mut r = Ratings::new();
        for u in 0..50_000 {
            let x = f64::from(u);
            r.push(&u.to_string(), Some("a"), Value::Number(x));
            r.push(&u.to_string(), Some("b"), Value::Number(x + 0.5));
        }
        let a = r.krippendorff_alpha(Level::Interval, 0, 0, 0.95).unwrap();
        assert!(a.value.unwrap() > 0.999, "{a:?}");
        // Every pair disagrees and every value is seen once: chance level exactly.
        let nominal = r.krippendorff_alpha(Level::Nominal, 0, 0, 0.95).unwrap();
        assert!(nominal.value.unwrap().abs() < 1e-9, "{nominal:?}");
        let e = r
            .krippendorff_alpha(Level::Ordinal, 0, 0, 0.95)
            .unwrap_err();
        assert!(e.to_string().contains("100000 (more than 2000)"), "{e}");
    }

    #[test]
    fn a_raters_repeated_label_counts_once() {
        let mut r = Ratings::new();
        r.push("u", Some("x"), Value::Number(1.0));
        r.push("u", Some("x"), Value::Number(1.0));
        r.push("u", Some("y"), Value::Number(2.0));
        assert_eq!(r.percent_agreement().values, 2);
    }

    fn counts_table(rows: &[&[u32]]) -> Ratings {
        let mut r = Ratings::new();
        for (unit, row) in rows.iter().enumerate() {
            for (category, &n) in row.iter().enumerate() {
                for _ in 0..n {
                    r.push(&unit.to_string(), None, Value::Number(category as f64));
                }
            }
        }
        r
    }

    #[test]
    fn fleiss_kappa_matches_wikipedia() {
        let r = counts_table(&[
            &[0, 0, 0, 0, 14],
            &[0, 2, 6, 4, 2],
            &[0, 0, 3, 5, 6],
            &[0, 3, 9, 2, 0],
            &[2, 2, 8, 1, 1],
            &[7, 7, 0, 0, 0],
            &[3, 2, 6, 3, 0],
            &[2, 5, 3, 2, 2],
            &[6, 5, 2, 1, 0],
            &[0, 2, 2, 3, 7],
        ]);
        let k = r.fleiss_kappa(0, 0, 0.95).unwrap();
        assert!((k.value.unwrap() - 0.209931).abs() < 1e-6, "{k:?}");
        let p = r.percent_agreement();
        assert!((p.value.unwrap() - 0.378022).abs() < 1e-6, "{p:?}");
        let uneven = counts_table(&[&[1, 1], &[2, 1]]);
        assert!(uneven.fleiss_kappa(0, 0, 0.95).is_err());
    }

    #[test]
    fn cohen_kappa_matches_the_sas_printout() {
        // statsmodels' test table [[0,4,1],[0,8,0],[0,1,5]]: rows rater a, columns rater b.
        let table = [[0, 4, 1], [0, 8, 0], [0, 1, 5]];
        let mut pairs = Vec::new();
        for (i, row) in table.iter().enumerate() {
            for (j, &n) in row.iter().enumerate() {
                for _ in 0..n {
                    pairs.push((Value::Number(i as f64), Value::Number(j as f64)));
                }
            }
        }
        let k = |w| cohen_kappa(&pairs, w).unwrap();
        assert!((k(Weights::None) - 0.4842).abs() < 5e-5);
        assert!((k(Weights::Linear) - 0.4701).abs() < 5e-5);
        assert!((k(Weights::Quadratic) - 0.4502).abs() < 5e-5);
        assert_eq!(cohen_kappa(&[], Weights::None), None);
    }
}
