//! Exercise: broadcast data whose length only the root knows.
//!
//! Each rank says its pid. Rank 0 has a list of 6 to 10 numbers (6 + its
//! pid % 5: only rank 0 knows how many); the others think it has three, so
//! their buffers are too short, and MPI stops the job with an error.
//!
// TODO: first broadcast the length, then let every rank make a buffer of
// that length and broadcast the data. The check runs 2 and 5 ranks and
// wants "rank R has [10, 20, ..., 10 L]" from each, where L = 6 + (rank
// 0's pid) % 5.

use common::mpi::Launch;
use mpi::collective::Root;
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(3).run(None, |world| {
        let rank = world.rank();
        let root = world.process_at_rank(0);
        let pid = i64::from(std::process::id());
        println!("rank {rank} is pid {pid}");
        let mut data: Vec<i64> = if rank == 0 {
            (1..=6 + pid % 5).map(|i| 10 * i).collect()
        } else {
            vec![0; 3]
        };
        root.broadcast_into(&mut data[..]);
        println!("rank {rank} has {data:?}");
        Ok(())
    })
}
