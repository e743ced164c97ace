//! Exercise: who are my ranks?
//!
//! Each rank is a process with its own pid. Rank 0 prints only its own.
//!
// TODO: gather every rank's pid (`std::process::id()`) on rank 0, and have
// rank 0 print "4 processes, 4 different pids" (counting the distinct pids
// it received). The check runs 4 ranks.

use common::mpi::Launch;
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(4).run(None, |world| {
        if world.rank() == 0 {
            let pids = [std::process::id()];
            println!("{} processes, {} different pids", pids.len(), pids.len());
        }
        Ok(())
    })
}
