//! Exercise: estimate pi with MPI.
//!
//! Each rank throws its own share of random points into the unit square
//! and counts those inside the quarter circle (see the pool-pi exercise).
//!
// TODO: add up every rank's hits on rank 0 with a `reduce`, and have rank 0
// alone print the estimate with 4 decimals. The check runs 4 ranks of
// 500,000 points each and wants one line, "pi is about 3.14..", within 0.01.

use common::mpi::Launch;
use mpi::topology::Communicator;

const POINTS: u64 = 500_000;

fn count_hits(seed: u64) -> u64 {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..POINTS)
        .filter(|_| {
            let (x, y) = (next(), next());
            x * x + y * y <= 1.0
        })
        .count() as u64
}

fn main() -> std::process::ExitCode {
    Launch::new(4).run(None, |world| {
        let rank = world.rank();
        let hits = count_hits(rank as u64 + 1);
        // Each rank prints its own estimate: not what was asked.
        println!("pi is about {:.4}", 4.0 * hits as f64 / POINTS as f64);
        Ok(())
    })
}
