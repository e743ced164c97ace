// Rank 0 prints only its own estimate: no reduce. One rank's 500,000
// points give a value near pi too, so a check that only asks "near pi"
// lets it through; the exact digits of every rank's hits do not.

use common::mpi::Launch;
use mpi::collective::SystemOperation;
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
        let root = world.process_at_rank(0);
        if rank == 0 {
            println!("pi is about {:.4}", 4.0 * hits as f64 / POINTS as f64);
        }
        let _ = (&root, SystemOperation::sum());
        Ok(())
    })
}
