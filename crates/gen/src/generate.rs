//! The generator's entry point: options in, JSON lines out.

use std::io::{self, Write};

use crate::rng::Rng;
use crate::world::{Shape, World};

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenOptions {
    pub tasks: usize,
    pub seed: u64,
    pub shape: Shape,
}

/// How many raters label an item (see [`crate::world::World::is_item`]).
const RATERS_PER_ITEM: usize = 3;

/// Writes `opts.tasks` tasks as JSON lines.
pub fn generate(opts: &GenOptions, out: &mut impl Write) -> io::Result<()> {
    let world = World::new(opts.seed, opts.shape);
    let mut rng = Rng::new(opts.seed ^ 0x5eed_7a5c_0000_0001);
    let mut i = 0;
    while i < opts.tasks {
        let task = world.task(&mut rng, i);
        let item = world.is_item(&mut rng, &task);
        serde_json::to_writer(&mut *out, &task)?;
        out.write_all(b"\n")?;
        i += 1;
        // An item goes to more raters, as tasks of their own right after it.
        for rater in 1..RATERS_PER_ITEM {
            if !item || i == opts.tasks {
                break;
            }
            serde_json::to_writer(&mut *out, &world.relabel(&mut rng, &task, i, rater))?;
            out.write_all(b"\n")?;
            i += 1;
        }
    }
    Ok(())
}
