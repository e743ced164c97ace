// The length is broadcast and the buffers made that long, but the data is
// never broadcast: the other ranks print zeros.

use common::mpi::Launch;
use mpi::collective::Root;
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(3).run(None, |world| {
        let rank = world.rank();
        let root = world.process_at_rank(0);
        let mut data: Vec<i64> = if rank == 0 {
            vec![10, 20, 30, 40, 50]
        } else {
            Vec::new()
        };
        let mut len = data.len() as u64;
        root.broadcast_into(&mut len);
        data.resize(len as usize, 0);
        println!("rank {rank} has {data:?}");
        Ok(())
    })
}
