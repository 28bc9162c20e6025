//! SplitMix64: small, fast, and the same on every platform and release, so a seed always gives
//! the same bootstrap intervals.

pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, n), without the bias of a modulo (Lemire's multiply and reject).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        let n = n as u64;
        let threshold = n.wrapping_neg() % n;
        loop {
            let m = u128::from(self.next_u64()) * u128::from(n);
            if (m as u64) >= threshold {
                return (m >> 64) as usize;
            }
        }
    }
}

/// A seed for stream `stream` of `seed`: SplitMix64's finaliser of both, so that nearby seeds
/// and streams start far apart.
pub(crate) fn mix(seed: u64, stream: u64) -> u64 {
    let mut r = Rng::new(seed ^ stream.wrapping_mul(0xd1b5_4a32_d192_ed03));
    r.next_u64()
}

/// `f(0), f(1), …, f(n − 1)` in order, computed on every core.
pub(crate) fn in_parallel<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |w| w.get())
        .min(n.max(1));
    if workers <= 1 {
        return (0..n).map(f).collect();
    }
    let mut parts: Vec<Vec<(usize, T)>> = std::thread::scope(|scope| {
        let f = &f;
        let handles: Vec<_> = (0..workers)
            .map(|w| scope.spawn(move || (w..n).step_by(workers).map(|i| (i, f(i))).collect()))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    let mut out: Vec<(usize, T)> = parts.drain(..).flatten().collect();
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, t)| t).collect()
}

/// Resamples `n` items with replacement: how many times each was drawn.
pub(crate) fn resample(rng: &mut Rng, n: usize, counts: &mut [u32]) {
    counts.iter_mut().for_each(|c| *c = 0);
    for _ in 0..n {
        counts[rng.below(n)] += 1;
    }
}

/// The `q` quantile of sorted values, interpolated linearly between order statistics (numpy's
/// and pandas' default, Hyndman and Fan's type 7).
pub(crate) fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let h = last as f64 * q;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    let (a, b) = (sorted[lo], sorted[hi]);
    let frac = h - lo as f64;
    // Infinite samples (a side without bound) give an infinite quantile only when it lies
    // between them or on one.
    Some(if a == b || frac == 0.0 {
        a
    } else if a.is_infinite() || b.is_infinite() {
        if a.is_infinite() { a } else { b }
    } else {
        a + frac * (b - a)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_7_quantiles_match_numpy() {
        // numpy.quantile([1, 2, 3, 4, 10], [0.025, 0.5, 0.975]) = [1.1, 3.0, 9.4]
        let v = [1.0, 2.0, 3.0, 4.0, 10.0];
        assert!((quantile(&v, 0.025).unwrap() - 1.1).abs() < 1e-12);
        assert_eq!(quantile(&v, 0.5), Some(3.0));
        assert!((quantile(&v, 0.975).unwrap() - 9.4).abs() < 1e-12);
        assert_eq!(quantile(&[], 0.5), None);
        let open = [1.0, 2.0, f64::INFINITY, f64::INFINITY];
        assert_eq!(quantile(&open, 0.5), Some(f64::INFINITY));
        assert_eq!(quantile(&open, 0.25), Some(1.75));
    }

    #[test]
    fn parallel_results_come_in_order() {
        let squares = in_parallel(1000, |i| i * i);
        assert!(squares.iter().enumerate().all(|(i, &s)| s == i * i));
        assert_ne!(mix(0, 1), mix(0, 2));
        assert_ne!(mix(0, 1), mix(1, 0));
    }

    #[test]
    fn draws_cover_the_range_evenly() {
        let mut rng = Rng::new(1);
        let mut counts = vec![0u32; 10];
        for _ in 0..100_000 {
            counts[rng.below(10)] += 1;
        }
        assert!(
            counts.iter().all(|&c| (9_500..10_500).contains(&c)),
            "{counts:?}"
        );
    }
}
