//! Exercise: pass a token round a ring.
//!
//! The ranks form a periodic one-dimensional topology: a ring. Each should
//! send its rank to its right-hand neighbour and receive its left-hand
//! neighbour's, at the same time.
//!
// TODO: find the neighbours with `ring.shift(0, 1)` and exchange with
// `send_receive_into`, so that each rank prints "rank R got L" where L is
// its left neighbour (rank 0 gets N-1). The check runs 4 ranks.

use common::mpi::Launch;
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(4).run(None, |world| {
        let size = world.size();
        let ring = world
            .create_cartesian_communicator(&[size], &[true], false)
            .expect("every rank is in the ring");
        let rank = ring.rank();
        let received = rank; // nothing exchanged yet
        println!("rank {rank} got {received}");
        Ok(())
    })
}
