// The buffer holds one number: scatter then gives each rank one number of
// the 3N, and the rest are never sent.

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
