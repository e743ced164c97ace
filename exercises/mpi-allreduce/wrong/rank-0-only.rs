// The broadcast is done on rank 0 alone: the others never join it, keep 0,
// and rank 0 waits for nobody (a broadcast is a collective: all must call).

use common::mpi::Launch;
use mpi::collective::{Root, SystemOperation};
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(4).run(None, |world| {
        let rank = world.rank();
        let root = world.process_at_rank(0);
        // A number only this rank knows (from its pid), and says (leave these).
        let mine = i64::from(std::process::id() % 1000) + 1;
        println!("rank {rank} has {mine}");
        let mut total = 0i64;
        if rank == 0 {
            root.reduce_into_root(&mine, &mut total, SystemOperation::sum());
        } else {
            root.reduce_into(&mine, SystemOperation::sum());
        }
        if rank != 0 {
            total = 0;
        }
        println!("rank {rank}: total {total}");
        Ok(())
    })
}
