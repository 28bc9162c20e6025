//! The generator's entry point: options in, JSON lines out.

use std::io::{self, Write};

use crate::rng::Rng;
use crate::world::World;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenOptions {
    pub tasks: usize,
    pub seed: u64,
}

/// Writes `opts.tasks` tasks as JSON lines.
pub fn generate(opts: &GenOptions, out: &mut impl Write) -> io::Result<()> {
    let world = World::new(opts.seed);
    let mut rng = Rng::new(opts.seed ^ 0x5eed_7a5c_0000_0001);
    for i in 0..opts.tasks {
        let task = world.task(&mut rng, i);
        serde_json::to_writer(&mut *out, &task)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
