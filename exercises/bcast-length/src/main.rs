//! Exercise: broadcast data whose length only the root knows.
//!
//! Rank 0 has a list of five numbers; the others think it has three, so
//! their buffers are too short, and MPI stops the job with an error.
//!
// TODO: first broadcast the length, then let every rank make a buffer of
// that length and broadcast the data. The check runs 3 ranks and wants
// "rank R has [10, 20, 30, 40, 50]" from each.

use common::mpi::Launch;
use mpi::collective::Root;
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(3).run(None, |world| {
        let rank = world.rank();
        let root = world.process_at_rank(0);
        let mut data: Vec<i64> = if rank == 0 {
            vec![10, 20, 30, 40, 50]
        } else {
            vec![0; 3]
        };
        root.broadcast_into(&mut data[..]);
        println!("rank {rank} has {data:?}");
        Ok(())
    })
}
