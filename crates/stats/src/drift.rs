//! Drift between slices of labels: the population stability index and the chi-square test of
//! homogeneity.

use std::collections::BTreeMap;

use crate::StatsError;
use crate::intervals::chi2_sf;

/// The floor an empty bin's proportion is raised to, so that its term stays finite.
pub const PSI_FLOOR: f64 = 1e-4;

/// `Σ (a − e) ln(a / e)` over bins, with `a`, `e` the bins' shares of the actual and expected
/// counts, each floored at [`PSI_FLOOR`] and not renormalised. None when either side is empty.
pub fn psi(bins: &[(f64, f64)]) -> Option<f64> {
    let expected: f64 = bins.iter().map(|b| b.0).sum();
    let actual: f64 = bins.iter().map(|b| b.1).sum();
    if expected <= 0.0 || actual <= 0.0 {
        return None;
    }
    Some(
        bins.iter()
            .map(|&(e, a)| {
                let e = (e / expected).max(PSI_FLOOR);
                let a = (a / actual).max(PSI_FLOOR);
                (a - e) * (a / e).ln()
            })
            .sum(),
    )
}

/// The chi-square test of homogeneity of categories across slices.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChiSquare {
    pub statistic: f64,
    pub dof: u64,
    pub p_value: f64,
}

/// Tests whether the slices share one distribution over categories, from counts per
/// (slice, category). Categories and slices with no count are left out; Yates' correction
/// applies at one degree of freedom, as scipy's `chi2_contingency` does. None with fewer than
/// two slices or categories.
pub fn chi_square<S: Ord, C: Ord>(
    counts: impl IntoIterator<Item = (S, C, f64)>,
) -> Result<Option<ChiSquare>, StatsError> {
    let mut table: BTreeMap<S, BTreeMap<C, f64>> = BTreeMap::new();
    for (s, c, n) in counts {
        if n < 0.0 {
            return Err(StatsError::Argument(format!(
                "a count is not negative; got {n}"
            )));
        }
        if n > 0.0 {
            *table.entry(s).or_default().entry(c).or_default() += n;
        }
    }
    // Category totals over slices, in order.
    let mut totals: BTreeMap<&C, f64> = BTreeMap::new();
    for row in table.values() {
        for (c, n) in row {
            *totals.entry(c).or_default() += n;
        }
    }
    let (r, c) = (table.len(), totals.len());
    if r < 2 || c < 2 {
        return Ok(None);
    }
    let total: f64 = totals.values().sum();
    let dof = ((r - 1) * (c - 1)) as u64;
    let mut statistic = 0.0;
    for row in table.values() {
        let row_total: f64 = row.values().sum();
        for (cat, col_total) in &totals {
            let observed = row.get(*cat).copied().unwrap_or(0.0);
            let expected = row_total * col_total / total;
            let mut diff = (observed - expected).abs();
            if dof == 1 {
                diff -= diff.min(0.5);
            }
            statistic += diff * diff / expected;
        }
    }
    Ok(Some(ChiSquare {
        statistic,
        dof,
        p_value: chi2_sf(statistic, dof as f64)?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn psi_matches_the_worked_value() {
        let bins = [(10.0, 40.0), (20.0, 30.0), (30.0, 20.0), (40.0, 10.0)];
        assert!((psi(&bins).unwrap() - 0.912870).abs() < 1e-6);
        assert_eq!(psi(&[(1.0, 1.0), (1.0, 1.0)]), Some(0.0));
        assert_eq!(psi(&[(0.0, 1.0)]), None);
        // An empty bin is floored, not dropped.
        assert!(psi(&[(10.0, 0.0), (10.0, 20.0)]).unwrap() > 1.0);
    }

    fn table(rows: &[&[f64]]) -> Vec<(usize, usize, f64)> {
        rows.iter()
            .enumerate()
            .flat_map(|(i, r)| r.iter().enumerate().map(move |(j, &n)| (i, j, n)))
            .collect()
    }

    #[test]
    fn chi_square_matches_scipy() {
        let t = chi_square(table(&[&[10.0, 10.0, 20.0], &[20.0, 20.0, 20.0]]))
            .unwrap()
            .unwrap();
        assert!((t.statistic - 2.7777777778).abs() < 1e-9);
        assert!((t.p_value - 0.249_352_208_777_296_2).abs() < 1e-12);
        assert_eq!(t.dof, 2);
        let yates = chi_square(table(&[&[176.0, 230.0], &[21035.0, 21018.0]]))
            .unwrap()
            .unwrap();
        assert!((yates.statistic - 6.892569132546561).abs() < 1e-9);
        assert!((yates.p_value - 0.008655478161175739).abs() < 1e-12);
        // A category absent from both slices is dropped, not divided by.
        let sparse = chi_square(table(&[&[10.0, 0.0, 10.0, 20.0], &[20.0, 0.0, 20.0, 20.0]]))
            .unwrap()
            .unwrap();
        assert_eq!(sparse, t);
        assert_eq!(chi_square(table(&[&[1.0, 2.0]])).unwrap(), None);
    }
}
