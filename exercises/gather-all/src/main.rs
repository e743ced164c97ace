//! Exercise: every rank gets everyone's value.
//!
//! Each rank says its pid, and `gather` collects the pids on rank 0
//! only; the other ranks print zeros.
//!
// TODO: make every rank end up with the whole list (look for
// `all_gather_into`). The check runs 3 and 5 ranks and wants
// "rank R is pid P" and "rank R has [P0, P1, ...]" (every rank's pid, in
// rank order) from each.

use common::mpi::Launch;
use mpi::collective::Root;
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(4).run(None, |world| {
        let (rank, size) = (world.rank(), world.size() as usize);
        let mine = i64::from(std::process::id());
        println!("rank {rank} is pid {mine}");
        let mut all = vec![0i64; size];
        let root = world.process_at_rank(0);
        if rank == 0 {
            root.gather_into_root(&mine, &mut all[..]);
        } else {
            root.gather_into(&mine);
        }
        println!("rank {rank} has {all:?}");
        Ok(())
    })
}
