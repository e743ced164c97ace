//! Exercise: scatter several numbers to each rank.
//!
//! Rank 0 holds 1 to 3N (N ranks). As written, each rank receives one
//! number, and the rest are never sent.
//!
// TODO: give each rank three consecutive numbers: rank 0 gets [1, 2, 3],
// rank 1 [4, 5, 6], and so on. The check runs 3 ranks and wants
// "rank R got [..]" for each.

use common::mpi::Launch;
use mpi::collective::Root;
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(3).run(None, |world| {
        let (rank, size) = (world.rank(), world.size() as i64);
        let root = world.process_at_rank(0);
        let mut mine = [0i64; 1];
        if rank == 0 {
            let all: Vec<i64> = (1..=size).collect();
            root.scatter_into_root(&all[..], &mut mine[..]);
        } else {
            root.scatter_into(&mut mine[..]);
        }
        println!("rank {rank} got {mine:?}");
        Ok(())
    })
}
