//! taskq-stats: the numerical methods behind taskq's evaluation functions, in plain Rust with
//! no engine types, so that each is tested on its own against published values.
//!
//! - Bradley–Terry ratings with bootstrap intervals over whole judgements ([`Battles`]).
//! - Agreement: Krippendorff's alpha, Fleiss' kappa, percent agreement ([`Ratings`]) and
//!   Cohen's kappa ([`cohen_kappa`]).
//! - Intervals: a mean's t-interval, Wilson's interval, t quantiles, chi-square tails.
//! - Drift: the population stability index and the chi-square test of homogeneity.
//!
//! ```
//! use taskq_stats::{Battles, BtOptions};
//!
//! let mut battles = Battles::new();
//! battles.push("judgement-1", "model-a", "model-b", 1.0)?;
//! battles.push("judgement-2", "model-b", "model-a", 0.5)?;
//! battles.push("judgement-3", "model-b", "model-a", 1.0)?;
//! let board = battles.fit(&BtOptions { rounds: 100, ..BtOptions::default() })?;
//! assert_eq!(board.ratings.len(), 2);
//! # Ok::<(), taskq_stats::StatsError>(())
//! ```

mod agreement;
mod bradley_terry;
mod drift;
mod error;
mod intervals;
mod rng;

pub use agreement::{Agreement, Level, Ratings, Value, Weights, cohen_kappa};
pub use bradley_terry::{Battles, BtOptions, Leaderboard, Rating};
pub use drift::{ChiSquare, PSI_FLOOR, chi_square, psi};
pub use error::StatsError;
pub use intervals::{MeanInterval, chi2_sf, mean_interval, t_quantile, wilson};
