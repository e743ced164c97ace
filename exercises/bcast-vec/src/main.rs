//! Exercise: broadcast a whole vector.
//!
//! Rank 0 has the vector [1, 2, 3, 4, 5]; the others should get it too. As
//! written, only its first element is broadcast.
//!
// TODO: broadcast the whole vector: every rank needs a buffer of the same
// length before the call. The check runs 3 ranks and wants each to print
// "rank R has [1, 2, 3, 4, 5]".

use common::mpi::Launch;
use mpi::collective::Root;
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(3).run(None, |world| {
        let rank = world.rank();
        let data: Vec<i64> = if rank == 0 {
            vec![1, 2, 3, 4, 5]
        } else {
            Vec::new()
        };
        let mut first = data.first().copied().unwrap_or(0);
        world.process_at_rank(0).broadcast_into(&mut first);
        println!("rank {rank} has [{first}]");
        Ok(())
    })
}
