//! Intervals and the distribution functions they need.

use statrs::distribution::{ChiSquared, ContinuousCDF, Normal, StudentsT};

use crate::StatsError;

/// A mean and its two-sided t-interval: `x̄ ± t(1 − (1 − confidence)/2, n − 1) · s/√n`, with the
/// sample standard deviation (n − 1). The interval needs two values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeanInterval {
    pub mean: Option<f64>,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    pub n: u64,
}

/// Mean and t-interval of the values (two passes: the spread is summed about the mean, so
/// values far from zero keep their precision).
pub fn mean_interval(values: &[f64], confidence: f64) -> Result<MeanInterval, StatsError> {
    check_confidence(confidence)?;
    let n = values.len() as u64;
    let mean = (n > 0).then(|| values.iter().sum::<f64>() / n as f64);
    let (mut lower, mut upper) = (None, None);
    if let (Some(m), true) = (mean, n >= 2) {
        let nf = n as f64;
        let var = values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (nf - 1.0);
        let t = t_quantile(1.0 - (1.0 - confidence) / 2.0, nf - 1.0)?;
        let half = t * (var / nf).sqrt();
        lower = Some(m - half);
        upper = Some(m + half);
    }
    Ok(MeanInterval {
        mean,
        lower,
        upper,
        n,
    })
}

/// Wilson's score interval for `successes` out of `n`; None for n = 0.
pub fn wilson(successes: f64, n: f64, confidence: f64) -> Result<Option<(f64, f64)>, StatsError> {
    check_confidence(confidence)?;
    if !(0.0..=n).contains(&successes) {
        return Err(StatsError::Argument(format!(
            "a proportion's successes lie between 0 and n; got {successes} of {n}"
        )));
    }
    if n == 0.0 {
        return Ok(None);
    }
    let z = normal_quantile(1.0 - (1.0 - confidence) / 2.0);
    let p = successes / n;
    let z2 = z * z;
    let centre = p + z2 / (2.0 * n);
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    let d = 1.0 + z2 / n;
    Ok(Some((
        ((centre - half) / d).max(0.0),
        ((centre + half) / d).min(1.0),
    )))
}

/// The `p` quantile of Student's t with `df` degrees of freedom.
pub fn t_quantile(p: f64, df: f64) -> Result<f64, StatsError> {
    if !(p > 0.0 && p < 1.0) {
        return Err(StatsError::Argument(format!(
            "a quantile's p is between 0 and 1; got {p}"
        )));
    }
    let t = StudentsT::new(0.0, 1.0, df)
        .map_err(|e| StatsError::Argument(format!("t with {df} degrees of freedom: {e}")))?;
    Ok(t.inverse_cdf(p))
}

/// The survival function (upper tail, the p-value) of chi-square with `dof` degrees of freedom.
pub fn chi2_sf(x: f64, dof: f64) -> Result<f64, StatsError> {
    let c = ChiSquared::new(dof).map_err(|e| {
        StatsError::Argument(format!("chi-square with {dof} degrees of freedom: {e}"))
    })?;
    Ok(if x <= 0.0 { 1.0 } else { c.sf(x) })
}

fn normal_quantile(p: f64) -> f64 {
    Normal::standard().inverse_cdf(p)
}

fn check_confidence(confidence: f64) -> Result<(), StatsError> {
    if confidence > 0.0 && confidence < 1.0 {
        Ok(())
    } else {
        Err(StatsError::Argument(format!(
            "confidence is between 0 and 1; got {confidence}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_t_interval_matches_scipy() {
        let x = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0f64];
        let m = mean_interval(&x, 0.95).unwrap();
        assert_eq!(m.mean, Some(5.0));
        assert!((m.lower.unwrap() - 3.212512).abs() < 1e-6, "{m:?}");
        assert!((m.upper.unwrap() - 6.787488).abs() < 1e-6, "{m:?}");
        assert!((t_quantile(0.975, 7.0).unwrap() - 2.3646242515927844).abs() < 1e-9);
        let one = mean_interval(&[3.0], 0.95).unwrap();
        assert_eq!((one.mean, one.lower), (Some(3.0), None));
        // Far from zero, the spread survives: the same interval shifted by 1e9.
        let far: Vec<f64> = x.iter().map(|v| v + 1e9).collect();
        let shifted = mean_interval(&far, 0.95).unwrap();
        assert!(
            (shifted.lower.unwrap() - 1e9 - 3.212512).abs() < 1e-5,
            "{shifted:?}"
        );
    }

    #[test]
    fn wilson_matches_statsmodels() {
        let (lo, hi) = wilson(8.0, 10.0, 0.95).unwrap().unwrap();
        assert!((lo - 0.490162).abs() < 1e-6 && (hi - 0.943318).abs() < 1e-6);
        let (lo, hi) = wilson(0.0, 10.0, 0.95).unwrap().unwrap();
        assert!(
            lo.abs() < 1e-12 && (hi - 0.277533).abs() < 1e-6,
            "{lo} {hi}"
        );
        assert_eq!(wilson(0.0, 0.0, 0.95).unwrap(), None);
        assert!(wilson(11.0, 10.0, 0.95).is_err());
    }

    #[test]
    fn chi2_survival_matches_scipy() {
        assert!((chi2_sf(2.7777777778, 2.0).unwrap() - 0.249_352_208_777_296_2).abs() < 1e-9);
        assert!((chi2_sf(6.892569132546561, 1.0).unwrap() - 0.008655478161175739).abs() < 1e-12);
        assert!(chi2_sf(1.0, 0.0).is_err());
    }
}
