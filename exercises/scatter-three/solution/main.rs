//! A solution: the receive buffer's size says how many each rank gets:
//! three, so the root's list must hold 3N.

use common::mpi::Launch;
use mpi::collective::Root;
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(3).run(None, |world| {
        let (rank, size) = (world.rank(), world.size() as i64);
        let root = world.process_at_rank(0);
        let mut mine = [0i64; 3];
        if rank == 0 {
            let all: Vec<i64> = (1..=3 * size).collect();
            root.scatter_into_root(&all[..], &mut mine[..]);
        } else {
            root.scatter_into(&mut mine[..]);
        }
        println!("rank {rank} got {mine:?}");
        Ok(())
    })
}
