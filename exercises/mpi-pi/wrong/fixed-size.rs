// The hits are reduced, but divided by the 4 ranks the program starts by
// default instead of `world.size()`: right only when 4 ranks run.

use common::mpi::Launch;
use mpi::collective::{Root, SystemOperation};
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
        let (rank, size) = (world.rank(), 4u64);
        let hits = count_hits(rank as u64 + 1);
        let root = world.process_at_rank(0);
        if rank == 0 {
            let mut total = 0u64;
            root.reduce_into_root(&hits, &mut total, SystemOperation::sum());
            println!(
                "pi is about {:.4}",
                4.0 * total as f64 / (POINTS * size) as f64
            );
        } else {
            root.reduce_into(&hits, SystemOperation::sum());
        }
        Ok(())
    })
}
