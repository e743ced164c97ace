// Only rank 0 has the vector: the others skip the broadcast (and print an
// empty one), as if `broadcast_into` were only for the root.

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
        if rank == 0 {
            world.process_at_rank(0).broadcast_into(&mut data[..]);
        }
        if rank != 0 {
            data.clear();
        }
        println!("rank {rank} has {data:?}");
        Ok(())
    })
}
