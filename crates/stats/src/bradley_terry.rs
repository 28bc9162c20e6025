//! Bradley–Terry ratings on the Elo scale, with bootstrap intervals over whole judgements.
//!
//! The model: `P(a beats b) = 1 / (1 + 10^((R_b − R_a) / scale))`. The point fit is the
//! unregularised maximum likelihood with ties as half a win and half a loss (the loss of
//! FastChat's `compute_bt`), found by Newton's method on ratings that sum to zero, so with no
//! anchor the ratings average `mean_rating`. A bootstrap round redraws whole comparison units
//! (a ranking's pairs together) with replacement and refits from the point fit.
//!
//! The maximum likelihood is finite only when the comparison graph is strongly connected: for
//! any split of the models into two groups, each group has beaten or tied the other at least
//! once. When it is not (a model that never loses, groups never compared), no rating is given
//! and every model says why.

use std::collections::HashMap;

use crate::StatsError;
use crate::rng::{self, Rng};

/// Comparisons between models, each from a judgement (its unit), as a bootstrap resamples them.
#[derive(Debug, Default, Clone)]
pub struct Battles {
    models: Vec<String>,
    model_index: HashMap<String, u32>,
    units: HashMap<String, u32>,
    rows: Vec<Row>,
}

#[derive(Debug, Clone, Copy)]
struct Row {
    unit: u32,
    a: u32,
    b: u32,
    /// Score of `a`: 1 a win, 0.5 a tie, 0 a loss.
    outcome: f64,
}

/// How ratings are fitted, scaled and given intervals.
#[derive(Debug, Clone)]
pub struct BtOptions {
    /// Bootstrap rounds; 0 for no intervals.
    pub rounds: usize,
    pub seed: u64,
    /// Coverage of the percentile interval, e.g. 0.95.
    pub confidence: f64,
    /// Rating points for a factor of `base` in odds.
    pub scale: f64,
    pub base: f64,
    /// The average rating when no model is anchored.
    pub mean_rating: f64,
    /// A model and the rating every fit is shifted to give it.
    pub anchor: Option<(String, f64)>,
}

impl Default for BtOptions {
    fn default() -> Self {
        BtOptions {
            rounds: 1000,
            seed: 0,
            confidence: 0.95,
            scale: 400.0,
            base: 10.0,
            mean_rating: 1000.0,
            anchor: None,
        }
    }
}

/// One model's line of a leaderboard.
#[derive(Debug, Clone, PartialEq)]
pub struct Rating {
    pub model: String,
    /// None when the data give no finite rating (see `note`).
    pub rating: Option<f64>,
    /// The interval's bounds; None for a side the data leave unbounded (see `note`).
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    /// 1 + the number of models whose interval lies wholly above this one's; with no intervals,
    /// 1 + the number of models rated higher.
    pub rank: Option<u32>,
    /// Comparisons with other models.
    pub battles: u64,
    pub wins: u64,
    pub losses: u64,
    pub ties: u64,
    /// Comparisons of two responses of this model: not between models, so not in the fit.
    pub same_model: u64,
    pub note: Option<String>,
}

/// Ratings, best first, and how many bootstrap rounds gave them intervals.
#[derive(Debug, Clone, PartialEq)]
pub struct Leaderboard {
    pub ratings: Vec<Rating>,
    /// Bootstrap rounds behind the intervals.
    pub rounds_used: usize,
    /// The length coefficient of a length-controlled fit (`fit_with_length`).
    pub length_coefficient: Option<f64>,
}

impl Battles {
    pub fn new() -> Battles {
        Battles::default()
    }

    /// Adds one comparison: `outcome` is `model_a`'s score, 1 a win, 0.5 a tie, 0 a loss.
    pub fn push(
        &mut self,
        unit: &str,
        model_a: &str,
        model_b: &str,
        outcome: f64,
    ) -> Result<(), StatsError> {
        if !(0.0..=1.0).contains(&outcome) {
            return Err(StatsError::Argument(format!(
                "an outcome is model_a's score between 0 and 1 (1 a win, 0.5 a tie); got {outcome}"
            )));
        }
        let a = self.model(model_a);
        let b = self.model(model_b);
        let unit = match self.units.get(unit) {
            Some(&u) => u,
            None => {
                let u = self.units.len() as u32;
                self.units.insert(unit.to_owned(), u);
                u
            }
        };
        self.rows.push(Row {
            unit,
            a,
            b,
            outcome,
        });
        Ok(())
    }

    fn model(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.model_index.get(name) {
            return i;
        }
        let i = self.models.len() as u32;
        self.models.push(name.to_owned());
        self.model_index.insert(name.to_owned(), i);
        i
    }

    /// Fits ratings with intervals.
    pub fn fit(&self, options: &BtOptions) -> Result<Leaderboard, StatsError> {
        self.fit_inner(options, None)
    }

    /// Fits ratings with a length covariate: `p = σ(ln(base)(r_a − r_b) + β f)`, where `f` is
    /// the standardised `(len_a − len_b) / (len_a + len_b + 1)` over all comparisons, with
    /// FastChat's style-control ridge `0.25 ‖(r, β)‖²` (its style control with length as the one
    /// feature). `lengths` gives each comparison's (len_a, len_b) in push order.
    pub fn fit_with_length(
        &self,
        lengths: &[(f64, f64)],
        options: &BtOptions,
    ) -> Result<Leaderboard, StatsError> {
        if lengths.len() != self.rows.len() {
            return Err(StatsError::Argument(format!(
                "{} lengths for {} comparisons",
                lengths.len(),
                self.rows.len()
            )));
        }
        self.fit_inner(options, Some(lengths))
    }

    fn fit_inner(
        &self,
        options: &BtOptions,
        lengths: Option<&[(f64, f64)]>,
    ) -> Result<Leaderboard, StatsError> {
        if !(options.confidence > 0.0 && options.confidence < 1.0) {
            return Err(StatsError::Argument(format!(
                "confidence is between 0 and 1; got {}",
                options.confidence
            )));
        }
        if !(options.base > 1.0 && options.scale > 0.0) {
            return Err(StatsError::Argument(
                "the base is above 1 and the scale above 0".into(),
            ));
        }
        let m = self.models.len();
        let anchor = match &options.anchor {
            None => None,
            Some((name, rating)) => match self.model_index.get(name) {
                Some(&i) => Some((i as usize, *rating)),
                None => {
                    return Err(StatsError::Argument(format!(
                        "the anchor model `{name}` has no comparisons"
                    )));
                }
            },
        };
        let mut ratings: Vec<Rating> = self
            .models
            .iter()
            .map(|model| Rating {
                model: model.clone(),
                rating: None,
                lower: None,
                upper: None,
                rank: None,
                battles: 0,
                wins: 0,
                losses: 0,
                ties: 0,
                same_model: 0,
                note: None,
            })
            .collect();
        for r in &self.rows {
            if r.a == r.b {
                ratings[r.a as usize].same_model += 1;
                continue;
            }
            let (a, b) = (r.a as usize, r.b as usize);
            ratings[a].battles += 1;
            ratings[b].battles += 1;
            if r.outcome > 0.5 {
                ratings[a].wins += 1;
                ratings[b].losses += 1;
            } else if r.outcome < 0.5 {
                ratings[a].losses += 1;
                ratings[b].wins += 1;
            } else {
                ratings[a].ties += 1;
                ratings[b].ties += 1;
            }
        }
        // Models seen only against themselves take no part in the fit.
        let rated: Vec<usize> = (0..m).filter(|&i| ratings[i].battles > 0).collect();
        let mut position = vec![usize::MAX; m];
        for (k, &i) in rated.iter().enumerate() {
            position[i] = k;
        }
        for r in ratings.iter_mut().filter(|r| r.battles == 0) {
            r.note = Some("compared only with itself".into());
        }
        if let Some(anchor) = anchor
            && position[anchor.0] == usize::MAX
        {
            return Err(StatsError::Argument(format!(
                "the anchor model `{}` has no comparisons with other models",
                self.models[anchor.0]
            )));
        }
        let alpha = options.base.ln();
        let design = Design::new(self, &position, lengths, alpha);
        let n = rated.len();
        let full = design.table(&design.all_units());
        // With no finite fit, the largest group of models that all beat each other around (the
        // bulk) is rated on its own comparisons, the limit of the likelihood as the others'
        // ratings run off; the others get no rating and a note.
        let places = full.unidentified(n);
        let active: Vec<bool> = match &places {
            None => vec![true; n],
            Some(p) => p.iter().map(|p| *p == Place::Bulk).collect(),
        };
        if let Some(places) = &places {
            for (k, &i) in rated.iter().enumerate() {
                ratings[i].note = places[k].note();
            }
        }
        if active.iter().filter(|a| **a).count() < 2 {
            return Ok(finish(ratings, 0, None));
        }
        let point = design.fit(&full, None, design.ridge, &active);
        let anchor = anchor.map(|(i, rating)| (position[i], rating));
        if let Some((k, _)) = anchor
            && !active[k]
        {
            return Err(StatsError::Argument(format!(
                "the anchor model `{}` has no finite rating: {}",
                self.models[rated[k]],
                ratings[rated[k]].note.as_deref().unwrap_or_default()
            )));
        }
        let to_elo = |theta: &[f64]| -> Vec<f64> {
            theta[..n]
                .iter()
                .map(|t| options.scale * t + options.mean_rating)
                .collect()
        };
        let mut point_elo = to_elo(&point);
        if let Some((k, rating)) = anchor {
            let shift = rating - point_elo[k];
            point_elo.iter_mut().for_each(|x| *x += shift);
        }
        for (k, &i) in rated.iter().enumerate() {
            if active[k] {
                ratings[i].rating = Some(point_elo[k]);
            }
        }
        let length_coefficient = design.with_length.then(|| point[n]);
        // Bootstrap: whole units drawn with replacement, each round refitted from the point
        // fit. A round with no finite fit rates its own bulk, placed on the point fit's scale
        // through the models both rate; a model outside it counts as unbounded above (it never
        // lost to the bulk) or below, and where such rounds decide a bound there is no bound.
        // Each round has a generator of its own, seeded from the seed and its number, so the
        // rounds run in parallel and give the same intervals on any number of cores.
        let round = |r: usize| -> Vec<f64> {
            let mut rng = Rng::new(rng::mix(options.seed, r as u64));
            let table = design.table(&design.resample(&mut rng));
            let round_places = table.unidentified(n);
            let round_active: Vec<bool> = match &round_places {
                None => vec![true; n],
                Some(p) => p.iter().map(|p| *p == Place::Bulk).collect(),
            };
            let common: Vec<usize> = (0..n).filter(|&k| round_active[k] && active[k]).collect();
            let theta = (!common.is_empty())
                .then(|| design.fit(&table, Some(&point), design.ridge, &round_active));
            let mut elo = theta.as_deref().map(to_elo).unwrap_or_default();
            if !common.is_empty() {
                let shift = match anchor {
                    Some((k, rating)) if round_active[k] => rating - elo[k],
                    _ => {
                        common.iter().map(|&k| point_elo[k] - elo[k]).sum::<f64>()
                            / common.len() as f64
                    }
                };
                elo.iter_mut().for_each(|x| *x += shift);
            }
            (0..n)
                .map(
                    |k| match round_places.as_ref().map_or(Place::Bulk, |p| p[k]) {
                        Place::Bulk if !common.is_empty() => elo[k],
                        Place::Above(_) => f64::INFINITY,
                        Place::Below(_) => f64::NEG_INFINITY,
                        _ => f64::NAN,
                    },
                )
                .collect()
        };
        let by_round = rng::in_parallel(options.rounds, round);
        let mut samples: Vec<Vec<f64>> = vec![Vec::with_capacity(options.rounds); n];
        let mut above = vec![0usize; n];
        let mut below = vec![0usize; n];
        for values in by_round {
            for k in (0..n).filter(|&k| active[k]) {
                let value = values[k];
                above[k] += usize::from(value.is_nan() || value == f64::INFINITY);
                below[k] += usize::from(value.is_nan() || value == f64::NEG_INFINITY);
                samples[k].push(value);
            }
        }
        if options.rounds > 0 {
            let tail = (1.0 - options.confidence) / 2.0;
            let rounds = options.rounds as f64;
            for (k, &i) in rated.iter().enumerate().filter(|(k, _)| active[*k]) {
                // A round that could not place the model counts against both bounds.
                let open = samples[k].iter().filter(|v| v.is_nan()).count();
                let sorted = &mut samples[k];
                sorted.retain(|v| !v.is_nan());
                sorted.sort_by(f64::total_cmp);
                let decides = |n: usize| n as f64 / rounds > tail;
                let r = &mut ratings[i];
                r.lower = rng::quantile(sorted, tail).filter(|v| v.is_finite() && !decides(open));
                r.upper =
                    rng::quantile(sorted, 1.0 - tail).filter(|v| v.is_finite() && !decides(open));
                let share = |n: usize| format!("{:.0}%", 100.0 * n as f64 / rounds);
                r.note = match (r.lower.is_none(), r.upper.is_none()) {
                    (false, false) => None,
                    (true, false) => Some(format!(
                        "no lower bound: in {} of bootstrap rounds it never won",
                        share(below[k])
                    )),
                    (false, true) => Some(format!(
                        "no upper bound: in {} of bootstrap rounds it never lost",
                        share(above[k])
                    )),
                    (true, true) => Some(format!(
                        "no bounds: in {} of bootstrap rounds it could not be placed above, in \
                         {} not below",
                        share(above[k]),
                        share(below[k])
                    )),
                };
            }
        }
        Ok(finish(ratings, options.rounds, length_coefficient))
    }
}

/// Sorts best first and ranks: with intervals, 1 + the models whose lower bound lies above this
/// one's upper bound (none can lie above a missing upper bound, and a missing lower bound lies
/// above nothing); without, 1 + the models rated higher.
fn finish(mut ratings: Vec<Rating>, rounds_used: usize, length: Option<f64>) -> Leaderboard {
    let n = ratings.len();
    for i in 0..n {
        let Some(rating) = ratings[i].rating else {
            continue;
        };
        let upper = ratings[i].upper;
        let above = if rounds_used > 0 {
            ratings
                .iter()
                .filter(|o| o.lower.zip(upper).is_some_and(|(l, u)| l > u))
                .count()
        } else {
            ratings
                .iter()
                .filter(|o| o.rating.is_some_and(|r| r > rating))
                .count()
        };
        ratings[i].rank = Some(1 + above as u32);
    }
    ratings.sort_by(|a, b| {
        b.rating
            .unwrap_or(f64::NEG_INFINITY)
            .total_cmp(&a.rating.unwrap_or(f64::NEG_INFINITY))
            .then_with(|| a.model.cmp(&b.model))
    });
    Leaderboard {
        ratings,
        rounds_used,
        length_coefficient: length,
    }
}

/// The ridge of a length-controlled fit: FastChat's `reg = 0.5` on `(reg / 2) ‖θ‖²`.
const RIDGE: f64 = 0.5;

/// The comparisons by unit, in the fit's model positions, with their length feature.
struct Design {
    models: usize,
    alpha: f64,
    with_length: bool,
    /// The penalty `ridge / 2 · ‖θ‖²` of every fit: FastChat's style-control ridge with a length
    /// covariate, none without.
    ridge: f64,
    /// The distinct units: their comparisons (i, j, score of i, standardised length
    /// feature), with i < j when there is no length feature.
    patterns: Vec<Vec<(u32, u32, f64, f64)>>,
    /// Each unit's pattern: a bootstrap draws units and counts patterns.
    unit_pattern: Vec<u32>,
    /// The model pairs compared, as (i, j) with i < j, and each pattern's comparisons as
    /// (pair, score of i): a table without a length feature sums into them.
    pairs: Vec<(u32, u32)>,
    pattern_pairs: Vec<Vec<(usize, f64)>>,
}

/// Comparisons summed by ordered model pair, or one row per comparison with a length feature.
struct Table {
    rows: Vec<(u32, u32, f64, f64, f64)>,
}

impl Design {
    fn new(
        battles: &Battles,
        position: &[usize],
        lengths: Option<&[(f64, f64)]>,
        alpha: f64,
    ) -> Design {
        let mut feature: Vec<f64> = match lengths {
            Some(l) => l.iter().map(|(a, b)| (a - b) / (a + b + 1.0)).collect(),
            None => vec![0.0; battles.rows.len()],
        };
        if lengths.is_some() {
            // Standardised over the comparisons between models (numpy's std, ddof 0).
            let between: Vec<f64> = battles
                .rows
                .iter()
                .zip(&feature)
                .filter(|(r, _)| r.a != r.b)
                .map(|(_, f)| *f)
                .collect();
            let n = between.len().max(1) as f64;
            let mean = between.iter().sum::<f64>() / n;
            let sd = (between.iter().map(|f| (f - mean).powi(2)).sum::<f64>() / n).sqrt();
            let sd = if sd > 0.0 { sd } else { 1.0 };
            feature.iter_mut().for_each(|f| *f = (*f - mean) / sd);
        }
        let mut units: Vec<Vec<(u32, u32, f64, f64)>> = vec![Vec::new(); battles.units.len()];
        for (r, f) in battles.rows.iter().zip(feature) {
            if r.a != r.b {
                let i = position[r.a as usize] as u32;
                let j = position[r.b as usize] as u32;
                units[r.unit as usize].push((i, j, r.outcome, f));
            }
        }
        units.retain(|u| !u.is_empty());
        let with_length = lengths.is_some();
        // Units of the same comparisons are one pattern (most units are one pair and an
        // outcome), so a round sums a few hundred patterns, not every unit.
        let mut index: HashMap<Vec<(u32, u32, u64, u64)>, u32> = HashMap::new();
        let mut patterns = Vec::new();
        let mut unit_pattern = Vec::with_capacity(units.len());
        for mut unit in units {
            if !with_length {
                for c in &mut unit {
                    if c.0 > c.1 {
                        *c = (c.1, c.0, 1.0 - c.2, c.3);
                    }
                }
                unit.sort_by_key(|x| (x.0, x.1, x.2.to_bits()));
            }
            let key = unit
                .iter()
                .map(|&(i, j, y, f)| (i, j, y.to_bits(), f.to_bits()))
                .collect();
            let next = patterns.len() as u32;
            let p = *index.entry(key).or_insert(next);
            if p == next {
                patterns.push(unit);
            }
            unit_pattern.push(p);
        }
        let mut pair_index: HashMap<(u32, u32), usize> = HashMap::new();
        let mut pairs = Vec::new();
        let pattern_pairs = patterns
            .iter()
            .map(|unit| {
                unit.iter()
                    .map(|&(i, j, y, _)| {
                        let k = *pair_index.entry((i, j)).or_insert_with(|| {
                            pairs.push((i, j));
                            pairs.len() - 1
                        });
                        (k, y)
                    })
                    .collect()
            })
            .collect();
        Design {
            models: position.iter().filter(|&&p| p != usize::MAX).count(),
            alpha,
            with_length,
            ridge: if with_length { RIDGE } else { 0.0 },
            patterns,
            unit_pattern,
            pairs,
            pattern_pairs,
        }
    }

    /// How many units each pattern has: the data as they are.
    fn all_units(&self) -> Vec<u32> {
        let mut counts = vec![0u32; self.patterns.len()];
        for &p in &self.unit_pattern {
            counts[p as usize] += 1;
        }
        counts
    }

    /// A bootstrap round's data: the units drawn with replacement, counted by pattern.
    fn resample(&self, rng: &mut Rng) -> Vec<u32> {
        let mut counts = vec![0u32; self.patterns.len()];
        let n = self.unit_pattern.len();
        for _ in 0..n {
            counts[self.unit_pattern[rng.below(n)] as usize] += 1;
        }
        counts
    }

    /// The comparisons of each pattern counted `counts[p]` times.
    fn table(&self, counts: &[u32]) -> Table {
        if self.with_length {
            let mut rows = Vec::new();
            for (unit, &d) in self.patterns.iter().zip(counts) {
                if d > 0 {
                    for &(i, j, y, f) in unit {
                        rows.push((i, j, f64::from(d), f64::from(d) * y, f));
                    }
                }
            }
            return Table { rows };
        }
        let mut sums = vec![(0.0, 0.0); self.pairs.len()];
        for (pattern, &d) in self.pattern_pairs.iter().zip(counts) {
            if d > 0 {
                let d = f64::from(d);
                for &(k, score) in pattern {
                    sums[k].0 += d;
                    sums[k].1 += d * score;
                }
            }
        }
        let rows = self
            .pairs
            .iter()
            .zip(sums)
            .filter(|(_, (n, _))| *n > 0.0)
            .map(|(&(i, j), (n, w))| (i, j, n, w, 0.0))
            .collect();
        Table { rows }
    }

    /// Maximum likelihood by Newton's method with a backtracking line search, on ratings that
    /// sum to zero; the last entry is the length coefficient when there is one.
    /// The models not `active` keep their start and take no part: `table` must hold no
    /// comparison of theirs with an active model.
    fn fit(&self, table: &Table, start: Option<&[f64]>, ridge: f64, active: &[bool]) -> Vec<f64> {
        let m = self.models;
        let k = m + usize::from(self.with_length);
        let mut theta = start.map_or_else(|| vec![0.0; k], <[f64]>::to_vec);
        let table = &table.among(active);
        let mut loss = self.loss(table, &theta, ridge);
        for _ in 0..200 {
            let (grad, hess) = self.derivatives(table, &theta, ridge);
            // The active ratings' Hessian is singular along (1, …, 1), the direction the
            // likelihood does not see; adding 11ᵀ there makes it definite without moving the
            // solution, since the gradient sums to zero over them. An inactive rating has no
            // gradient; a 1 on its diagonal keeps it where it is.
            let mut h = hess;
            for a in 0..m {
                if !active[a] {
                    h[a * k + a] += 1.0;
                    continue;
                }
                for b in (0..m).filter(|&b| active[b]) {
                    h[a * k + b] += 1.0;
                }
            }
            let Some(step) = solve(&mut h, &grad, k) else {
                break;
            };
            let slope: f64 = grad.iter().zip(&step).map(|(g, s)| g * s).sum();
            let mut t = 1.0;
            let mut next;
            loop {
                next = theta
                    .iter()
                    .zip(&step)
                    .map(|(x, s)| x - t * s)
                    .collect::<Vec<_>>();
                let l = self.loss(table, &next, ridge);
                if l <= loss - 1e-4 * t * slope || t < 1e-10 {
                    loss = l;
                    break;
                }
                t /= 2.0;
            }
            let moved = step.iter().map(|s| (t * s).abs()).fold(0.0, f64::max);
            theta = next;
            if moved < 1e-12 {
                break;
            }
        }
        let count = active.iter().filter(|a| **a).count().max(1) as f64;
        let mean = (0..m).filter(|&a| active[a]).map(|a| theta[a]).sum::<f64>() / count;
        (0..m).filter(|&a| active[a]).for_each(|a| theta[a] -= mean);
        theta
    }

    fn logit(&self, theta: &[f64], i: u32, j: u32, f: f64) -> f64 {
        let mut z = self.alpha * (theta[i as usize] - theta[j as usize]);
        if self.with_length {
            z += theta[self.models] * f;
        }
        z
    }

    fn loss(&self, table: &Table, theta: &[f64], ridge: f64) -> f64 {
        ridge / 2.0 * theta.iter().map(|t| t * t).sum::<f64>()
            + table
                .rows
                .iter()
                .map(|&(i, j, n, w, f)| {
                    let z = self.logit(theta, i, j, f);
                    // −[w ln σ(z) + (n − w) ln σ(−z)], with ln σ(z) = −ln(1 + e^(−z)).
                    w * softplus(-z) + (n - w) * softplus(z)
                })
                .sum::<f64>()
    }

    /// Gradient and Hessian (row-major) of the loss.
    fn derivatives(&self, table: &Table, theta: &[f64], ridge: f64) -> (Vec<f64>, Vec<f64>) {
        let m = self.models;
        let k = m + usize::from(self.with_length);
        let mut g = vec![0.0; k];
        let mut h = vec![0.0; k * k];
        for &(i, j, n, w, f) in &table.rows {
            let z = self.logit(theta, i, j, f);
            let p = sigmoid(z);
            let r = n * p - w;
            let c = n * p * (1.0 - p);
            let (i, j) = (i as usize, j as usize);
            let a = self.alpha;
            g[i] += a * r;
            g[j] -= a * r;
            h[i * k + i] += a * a * c;
            h[j * k + j] += a * a * c;
            h[i * k + j] -= a * a * c;
            h[j * k + i] -= a * a * c;
            if self.with_length {
                g[m] += f * r;
                h[m * k + m] += f * f * c;
                h[i * k + m] += a * f * c;
                h[m * k + i] += a * f * c;
                h[j * k + m] -= a * f * c;
                h[m * k + j] -= a * f * c;
            }
        }
        for a in 0..k {
            g[a] += ridge * theta[a];
            h[a * k + a] += ridge;
        }
        (g, h)
    }
}

impl Table {
    /// The comparisons between active models.
    fn among(&self, active: &[bool]) -> Table {
        Table {
            rows: self
                .rows
                .iter()
                .filter(|r| active[r.0 as usize] && active[r.1 as usize])
                .copied()
                .collect(),
        }
    }

    /// Where each model stands when the maximum likelihood is not finite; None when it is.
    fn unidentified(&self, models: usize) -> Option<Vec<Place>> {
        // i → j when i scored against j at least once (a win or a tie).
        let mut beat = vec![Vec::new(); models];
        let mut lost = vec![Vec::new(); models];
        for &(i, j, n, w, _) in &self.rows {
            let (i, j) = (i as usize, j as usize);
            if n <= 0.0 {
                continue;
            }
            if w > 0.0 {
                beat[i].push(j);
                lost[j].push(i);
            }
            if n - w > 0.0 {
                beat[j].push(i);
                lost[i].push(j);
            }
        }
        let strong = strong_components(&beat, &lost);
        if strong.iter().all(|&c| c == 0) {
            return None;
        }
        // The bulk: the largest group in which every model beat every other around; with two
        // of that size, none.
        let count = strong.iter().max().map_or(0, |c| c + 1);
        let mut sizes = vec![0usize; count];
        for &c in &strong {
            sizes[c] += 1;
        }
        let largest = sizes.iter().copied().max().unwrap_or(0);
        let bulk = (sizes.iter().filter(|&&z| z == largest).count() == 1 && largest >= 2)
            .then(|| sizes.iter().position(|&z| z == largest))
            .flatten();
        let Some(bulk) = bulk else {
            // No bulk to place models against: say of each model whether it never lost, or
            // never won, against the others it met.
            let mut lost_outside = vec![false; count];
            let mut won_outside = vec![false; count];
            for i in 0..models {
                for &j in &beat[i] {
                    if strong[i] != strong[j] {
                        won_outside[strong[i]] = true;
                        lost_outside[strong[j]] = true;
                    }
                }
            }
            return Some(
                strong
                    .iter()
                    .map(|&c| match (won_outside[c], lost_outside[c]) {
                        (true, false) => Place::Unrated(Some(true)),
                        (false, true) => Place::Unrated(Some(false)),
                        _ => Place::Unrated(None),
                    })
                    .collect(),
            );
        };
        let members: Vec<usize> = (0..models).filter(|&i| strong[i] == bulk).collect();
        // Beaten by the bulk (through others): below it; beat it: above it.
        let beaten_by_bulk = reach(&beat, &members);
        let beat_bulk = reach(&lost, &members);
        Some(
            (0..models)
                .map(
                    |i| match (strong[i] == bulk, beaten_by_bulk[i], beat_bulk[i]) {
                        (true, _, _) => Place::Bulk,
                        (false, true, false) => Place::Below(sizes[strong[i]] - 1),
                        (false, false, true) => Place::Above(sizes[strong[i]] - 1),
                        _ => Place::Apart,
                    },
                )
                .collect(),
        )
    }
}

/// The models reachable from `from` along `edges`.
fn reach(edges: &[Vec<usize>], from: &[usize]) -> Vec<bool> {
    let mut seen = vec![false; edges.len()];
    let mut stack = from.to_vec();
    for &f in from {
        seen[f] = true;
    }
    while let Some(v) = stack.pop() {
        for &w in &edges[v] {
            if !seen[w] {
                seen[w] = true;
                stack.push(w);
            }
        }
    }
    seen
}

/// Where a model stands, against the bulk, in comparisons that give no finite fit.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Place {
    /// In the bulk: rated.
    Bulk,
    /// In a group (with this many others) that beat the bulk and was never beaten by it.
    Above(usize),
    /// In a group that the bulk beat and that never beat it.
    Below(usize),
    /// Neither: not compared with the bulk both ways round.
    Apart,
    /// There is no bulk: no two models beat each other around, or two groups of one size
    /// never compared with each other. Some(true) when its group never lost to the others it
    /// met, Some(false) when it never won.
    Unrated(Option<bool>),
}

impl Place {
    fn note(self) -> Option<String> {
        let group = |others: usize| match others {
            0 => String::new(),
            n => format!(" (nor did the {n} others of its group)"),
        };
        match self {
            Place::Bulk => None,
            Place::Above(n) => Some(format!(
                "no rating: never lost to the models rated{}",
                group(n)
            )),
            Place::Below(n) => Some(format!(
                "no rating: never beat the models rated{}",
                group(n)
            )),
            Place::Apart => {
                Some("no rating: it and the models rated have not each beaten the other".into())
            }
            Place::Unrated(Some(true)) => {
                Some("no rating: never lost to the models it was compared with".into())
            }
            Place::Unrated(Some(false)) => {
                Some("no rating: never beat the models it was compared with".into())
            }
            Place::Unrated(None) => Some(
                "no rating: the comparisons leave no one largest group of models that have each \
                 won and lost against the others"
                    .into(),
            ),
        }
    }
}

/// Strongly connected components (Kosaraju), numbered from 0.
fn strong_components(forward: &[Vec<usize>], backward: &[Vec<usize>]) -> Vec<usize> {
    let n = forward.len();
    let mut seen = vec![false; n];
    let mut order = Vec::with_capacity(n);
    for start in 0..n {
        if seen[start] {
            continue;
        }
        seen[start] = true;
        let mut stack = vec![(start, 0)];
        while let Some((v, next)) = stack.pop() {
            if let Some(&w) = forward[v].get(next) {
                stack.push((v, next + 1));
                if !seen[w] {
                    seen[w] = true;
                    stack.push((w, 0));
                }
            } else {
                order.push(v);
            }
        }
    }
    let mut id = vec![usize::MAX; n];
    let mut next = 0;
    for &start in order.iter().rev() {
        if id[start] != usize::MAX {
            continue;
        }
        let mut stack = vec![start];
        id[start] = next;
        while let Some(v) = stack.pop() {
            for &w in &backward[v] {
                if id[w] == usize::MAX {
                    id[w] = next;
                    stack.push(w);
                }
            }
        }
        next += 1;
    }
    id
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// ln(1 + e^z) without overflow.
fn softplus(z: f64) -> f64 {
    if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    }
}

/// Solves `h x = g` for symmetric positive definite `h` (k × k, overwritten) by Cholesky.
fn solve(h: &mut [f64], g: &[f64], k: usize) -> Option<Vec<f64>> {
    for j in 0..k {
        let mut d = h[j * k + j];
        for p in 0..j {
            d -= h[j * k + p] * h[j * k + p];
        }
        if d <= 0.0 || !d.is_finite() {
            return None;
        }
        let d = d.sqrt();
        h[j * k + j] = d;
        for i in j + 1..k {
            let mut s = h[i * k + j];
            for p in 0..j {
                s -= h[i * k + p] * h[j * k + p];
            }
            h[i * k + j] = s / d;
        }
    }
    let mut y = g.to_vec();
    for i in 0..k {
        for p in 0..i {
            y[i] -= h[i * k + p] * y[p];
        }
        y[i] /= h[i * k + i];
    }
    for i in (0..k).rev() {
        for p in i + 1..k {
            y[i] -= h[p * k + i] * y[p];
        }
        y[i] /= h[i * k + i];
    }
    Some(y)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// analytics-methods.md §1.7: counts per ordered pair (A wins, B wins, ties).
    fn golden() -> Battles {
        let mut b = Battles::new();
        let counts = [
            ("A", "B", 6, 3, 1),
            ("A", "C", 7, 2, 1),
            ("B", "C", 5, 4, 2),
            ("C", "D", 6, 3, 1),
            ("A", "D", 8, 1, 1),
            ("B", "D", 4, 4, 2),
        ];
        let mut unit = 0;
        for (a, bb, wins, losses, ties) in counts {
            for (n, y) in [(wins, 1.0), (losses, 0.0), (ties, 0.5)] {
                for _ in 0..n {
                    unit += 1;
                    b.push(&unit.to_string(), a, bb, y).unwrap();
                }
            }
        }
        b
    }

    fn rating(l: &Leaderboard, model: &str) -> f64 {
        l.ratings
            .iter()
            .find(|r| r.model == model)
            .and_then(|r| r.rating)
            .unwrap()
    }

    #[test]
    fn the_point_fit_is_the_published_maximum_likelihood() {
        let options = BtOptions {
            rounds: 0,
            ..BtOptions::default()
        };
        let l = golden().fit(&options).unwrap();
        for (model, want) in [
            ("A", 1144.364725),
            ("B", 979.877721),
            ("C", 971.094240),
            ("D", 904.663314),
        ] {
            assert!((rating(&l, model) - want).abs() < 1e-5, "{model}: {l:?}");
        }
        let anchored = golden()
            .fit(&BtOptions {
                rounds: 0,
                anchor: Some(("D".into(), 1114.0)),
                ..BtOptions::default()
            })
            .unwrap();
        assert!((rating(&anchored, "A") - 1353.701410).abs() < 1e-5);
        assert!((rating(&anchored, "D") - 1114.0).abs() < 1e-9);
        let order: Vec<_> = l.ratings.iter().map(|r| r.model.as_str()).collect();
        assert_eq!(order, ["A", "B", "C", "D"]);
        let a = &l.ratings[0];
        assert_eq!((a.battles, a.wins, a.losses, a.ties), (30, 21, 6, 3));
    }

    #[test]
    fn the_bootstrap_is_seeded_and_brackets_the_point() {
        let options = BtOptions {
            rounds: 200,
            seed: 7,
            ..BtOptions::default()
        };
        let one = golden().fit(&options).unwrap();
        let two = golden().fit(&options).unwrap();
        assert_eq!(one, two);
        assert_eq!(one.rounds_used, 200);
        for r in &one.ratings {
            let (lo, hi, x) = (r.lower.unwrap(), r.upper.unwrap(), r.rating.unwrap());
            assert!(lo < x && x < hi, "{r:?}");
            assert!(hi - lo > 20.0 && hi - lo < 400.0, "{r:?}");
        }
        // A's interval lies above D's: D ranks below A.
        assert_eq!(one.ratings[0].rank, Some(1));
        let other = golden().fit(&BtOptions { seed: 8, ..options }).unwrap();
        assert_ne!(one.ratings[0].lower, other.ratings[0].lower);
    }

    #[test]
    fn a_model_that_never_loses_gets_no_rating_and_says_why() {
        let mut b = Battles::new();
        b.push("1", "A", "B", 1.0).unwrap();
        b.push("2", "A", "C", 1.0).unwrap();
        b.push("3", "B", "C", 1.0).unwrap();
        b.push("4", "C", "B", 1.0).unwrap();
        b.push("5", "D", "B", 0.0).unwrap();
        let l = b.fit(&BtOptions::default()).unwrap();
        let get = |m: &str| l.ratings.iter().find(|r| r.model == m).unwrap();
        assert_eq!(get("A").rating, None);
        assert_eq!(
            get("A").note.as_deref(),
            Some("no rating: never lost to the models rated")
        );
        assert_eq!(get("D").rating, None);
        assert!(get("D").note.as_deref().unwrap().contains("never beat"));
        // B and C are rated on their own comparisons: one win each, so level at 1000.
        assert!((get("B").rating.unwrap() - 1000.0).abs() < 1e-9, "{l:?}");
        assert!((get("C").rating.unwrap() - 1000.0).abs() < 1e-9, "{l:?}");
    }

    #[test]
    fn a_bound_that_resamples_leave_open_is_unbounded() {
        // A lost once in five: about a third of resamples drop that loss, and a model with no
        // loss has no finite rating, so A's interval has no upper bound.
        let mut b = Battles::new();
        for u in 0..5 {
            b.push(&format!("ab{u}"), "A", "B", if u == 0 { 0.0 } else { 1.0 })
                .unwrap();
        }
        for u in 0..20 {
            b.push(&format!("bc{u}"), "B", "C", f64::from(u % 2))
                .unwrap();
        }
        let l = b.fit(&BtOptions::default()).unwrap();
        let a = &l.ratings[0];
        assert_eq!(a.model, "A");
        assert!(
            a.rating.is_some() && a.lower.is_some() && a.upper.is_none(),
            "{a:?}"
        );
        assert!(a.note.as_deref().unwrap().contains("never lost"), "{a:?}");
        assert_eq!(l.rounds_used, 1000);
        let c = l.ratings.iter().find(|r| r.model == "C").unwrap();
        assert!(
            c.lower.is_some() && c.upper.is_some() && c.note.is_none(),
            "{c:?}"
        );
    }

    #[test]
    fn groups_never_compared_get_no_rating() {
        let mut b = Battles::new();
        b.push("1", "A", "B", 1.0).unwrap();
        b.push("2", "A", "B", 0.0).unwrap();
        b.push("3", "C", "D", 0.5).unwrap();
        let l = b.fit(&BtOptions::default()).unwrap();
        assert!(l.ratings.iter().all(|r| r.rating.is_none()));
        assert!(
            l.ratings[0]
                .note
                .as_deref()
                .unwrap()
                .contains("no one largest group"),
            "{l:?}"
        );
    }

    #[test]
    fn same_model_pairs_are_counted_apart_and_not_fitted() {
        let mut b = golden();
        b.push("x", "A", "A", 1.0).unwrap();
        b.push("y", "E", "E", 0.5).unwrap();
        let l = b
            .fit(&BtOptions {
                rounds: 0,
                ..BtOptions::default()
            })
            .unwrap();
        assert!((rating(&l, "A") - 1144.364725).abs() < 1e-5);
        let a = l.ratings.iter().find(|r| r.model == "A").unwrap();
        assert_eq!((a.battles, a.same_model), (30, 1));
        let e = l.ratings.iter().find(|r| r.model == "E").unwrap();
        assert_eq!(e.rating, None);
        assert_eq!(e.note.as_deref(), Some("compared only with itself"));
    }

    #[test]
    fn simulated_preferences_recover_the_strengths_order() {
        let strengths = [1.0, 0.6, 0.3, 0.0, -0.4];
        let mut rng = Rng::new(3);
        let mut b = Battles::new();
        let names = ["m0", "m1", "m2", "m3", "m4"];
        for u in 0..20_000 {
            let i = rng.below(5);
            let j = (i + 1 + rng.below(4)) % 5;
            let p = 1.0 / (1.0 + 10f64.powf(strengths[j] - strengths[i]));
            let y = if (rng.below(1_000_000) as f64) < p * 1e6 {
                1.0
            } else {
                0.0
            };
            b.push(&u.to_string(), names[i], names[j], y).unwrap();
        }
        let l = b
            .fit(&BtOptions {
                rounds: 50,
                ..BtOptions::default()
            })
            .unwrap();
        let order: Vec<_> = l.ratings.iter().map(|r| r.model.as_str()).collect();
        assert_eq!(order, names);
        let mean: f64 = strengths.iter().sum::<f64>() / 5.0;
        for (k, name) in names.iter().enumerate() {
            let want = 400.0 * (strengths[k] - mean) + 1000.0;
            assert!((rating(&l, name) - want).abs() < 15.0, "{name}: {l:?}");
        }
        let ranks: Vec<_> = l.ratings.iter().map(|r| r.rank.unwrap()).collect();
        assert_eq!(ranks, [1, 2, 3, 4, 5]);
    }

    #[test]
    fn a_ranking_is_resampled_whole() {
        // Units of three pairs each: resampling units moves all three together, so every
        // round keeps A > B > C in each unit and the intervals stay finite.
        let mut b = Battles::new();
        for u in 0..30 {
            let unit = u.to_string();
            let (first, second, third) = if u % 3 == 0 {
                ("B", "A", "C")
            } else if u % 3 == 1 {
                ("A", "C", "B")
            } else {
                ("A", "B", "C")
            };
            b.push(&unit, first, second, 1.0).unwrap();
            b.push(&unit, first, third, 1.0).unwrap();
            b.push(&unit, second, third, 1.0).unwrap();
        }
        let l = b.fit(&BtOptions::default()).unwrap();
        assert_eq!(l.rounds_used, 1000);
        assert_eq!(l.ratings[0].model, "A");
    }

    #[test]
    fn length_control_finds_a_length_bias() {
        // Equal models; the longer response wins 80% of the time.
        let mut rng = Rng::new(11);
        let mut b = Battles::new();
        let mut lengths = Vec::new();
        for u in 0..5_000 {
            let (la, lb) = (100.0 + rng.below(900) as f64, 100.0 + rng.below(900) as f64);
            let longer_wins = rng.below(10) < 8;
            let y = if (la > lb) == longer_wins { 1.0 } else { 0.0 };
            let (a, bb) = if u % 2 == 0 { ("X", "Y") } else { ("Y", "X") };
            b.push(&u.to_string(), a, bb, y).unwrap();
            lengths.push((la, lb));
        }
        let options = BtOptions {
            rounds: 0,
            ..BtOptions::default()
        };
        let l = b.fit_with_length(&lengths, &options).unwrap();
        assert!(l.length_coefficient.unwrap() > 0.5, "{l:?}");
        assert!((rating(&l, "X") - rating(&l, "Y")).abs() < 20.0, "{l:?}");
        assert!(b.fit_with_length(&lengths[1..], &options).is_err());
    }
}
