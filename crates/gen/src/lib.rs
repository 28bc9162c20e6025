//! taskq-gen: deterministic synthetic Scale v2 tasks, shaped like real exports.
//!
//! The same options always give the same bytes. Distributions are skewed as labelling data is:
//! a few big projects and many small ones, models of different quality (so preference win rates
//! and mean scores differ by model), mostly-completed tasks with some pending, canceled, errored
//! and sensitive-content-reported ones, and every annotation type at every scope. A tenth of
//! the completed tasks are items labelled by three contributors: the same prompts and answers
//! in three tasks, each label of a later rater kept with its project's agreement chance (0.95,
//! 0.8 or 0.6), else moved to a neighbouring value.
//!
//! [`Shape`] picks the mix: `Mixed`, the built-in sample's, or `Scores`, with more score keys,
//! more models and shorter texts, so benchmarks can check that speed holds on other shapes.
//!
//! ```
//! let mut out = Vec::new();
//! let opts = taskq_gen::GenOptions { tasks: 3, seed: 1, shape: taskq_gen::Shape::Mixed };
//! taskq_gen::generate(&opts, &mut out).unwrap();
//! assert_eq!(out.iter().filter(|b| **b == b'\n').count(), 3);
//! ```

mod generate;
mod rng;
mod text;
mod world;

pub use generate::{GenOptions, generate};
pub use world::Shape;
