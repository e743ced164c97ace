//! Exercise: estimate pi with a pool.
//!
//! Throw random points into the unit square: the share that falls inside
//! the quarter circle of radius 1 is pi/4. `count_hits` does that for one
//! batch of points, from a seed of its own.
//!
// TODO: use a `Pool` of 4 workers to run `count_hits` on 8 batches (seeds 0
// to 7) and add up the hits; print the estimate of pi with 4 decimals. The
// check wants the 8 "batch" lines, each from a worker process (not this
// one), and the estimate from all 8 batches' hits: the exact 4 decimals.

use common::Pool;

const BATCHES: u64 = 8;
const POINTS: u64 = 250_000;

/// How many of `POINTS` pseudo-random points fall inside the quarter circle.
/// Prints a line saying so, with the pid of the process that ran it.
fn count_hits(seed: u64) -> u64 {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = || {
        // xorshift64: small, and the same on every machine.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let hits = (0..POINTS)
        .filter(|_| {
            let (x, y) = (next(), next());
            x * x + y * y <= 1.0
        })
        .count() as u64;
    // Each batch says which process ran it (leave this line as it is).
    println!(
        "batch {seed}: {hits} hits in process {}",
        std::process::id()
    );
    hits
}

fn main() -> std::process::ExitCode {
    common::main(|| {
        let _pool = Pool::new(4)?;
        let hits = count_hits(0); // one batch, in this process
        let pi = 4.0 * hits as f64 / POINTS as f64;
        println!("pi is about {pi:.4} ({} batches)", 1);
        let _ = BATCHES;
        Ok(())
    })
}
