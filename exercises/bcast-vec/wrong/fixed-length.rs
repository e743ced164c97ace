// The others' buffer is as long as the count of ranks the program starts by
// default (3), not as the data: the broadcast then fails, or cuts the vector.

use common::mpi::Launch;
use mpi::collective::Root;
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(3).run(None, |world| {
        let rank = world.rank();
        let mut data: Vec<i64> = if rank == 0 {
            vec![1, 2, 3, 4, 5]
        } else {
            vec![0; 3]
        };
        world.process_at_rank(0).broadcast_into(&mut data[..]);
        println!("rank {rank} has {data:?}");
        Ok(())
    })
}
