//! Exercise: pass a token round a ring.
//!
//! The ranks form a periodic one-dimensional topology: a ring. Each says
//! its pid, and should send it to its right-hand neighbour and receive its
//! left-hand neighbour's, at the same time.
//!
// TODO: find the neighbours with `ring.shift(0, 1)` and exchange with
// `send_receive_into`, so that each rank prints "rank R got P" where P is
// the pid of its left neighbour (rank 0's is rank N-1). The check runs 3
// and 5 ranks.

use common::mpi::Launch;
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(4).run(None, |world| {
        let size = world.size();
        let ring = world
            .create_cartesian_communicator(&[size], &[true], false)
            .expect("every rank is in the ring");
        let rank = ring.rank();
        let pid = i64::from(std::process::id());
        println!("rank {rank} is pid {pid}");
        let received = pid; // nothing exchanged yet
        println!("rank {rank} got {received}");
        Ok(())
    })
}
