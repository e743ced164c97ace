//! Exercise: an all-reduce from a reduce and a broadcast.
//!
//! Each rank has the number rank + 1. `reduce` adds them up on rank 0
//! only; the other ranks still have 0 afterwards.
//!
// TODO: after the reduce, make every rank know the total, with a broadcast
// from rank 0 (do not use all_reduce: build it). The check runs 4 ranks and
// wants "rank r: total 10" from each of them.

use common::mpi::Launch;
use mpi::collective::{Root, SystemOperation};
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(4).run(None, |world| {
        let rank = world.rank();
        let root = world.process_at_rank(0);
        let mine = rank as i64 + 1;
        let mut total = 0i64;
        if rank == 0 {
            root.reduce_into_root(&mine, &mut total, SystemOperation::sum());
        } else {
            root.reduce_into(&mine, SystemOperation::sum());
        }
        println!("rank {rank}: total {total}");
        Ok(())
    })
}
