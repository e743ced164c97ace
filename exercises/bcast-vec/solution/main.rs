//! A solution: every rank makes a buffer of five elements; the root's holds
//! the data, and `broadcast_into` fills everyone else's.

use common::mpi::Launch;
use mpi::collective::Root;
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(3).run(None, |world| {
        let rank = world.rank();
        let mut data: Vec<i64> = if rank == 0 {
            vec![1, 2, 3, 4, 5]
        } else {
            vec![0; 5]
        };
        world.process_at_rank(0).broadcast_into(&mut data[..]);
        println!("rank {rank} has {data:?}");
        Ok(())
    })
}
