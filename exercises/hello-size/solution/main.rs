//! A solution: `world.size()` is the number of ranks in the job.

use common::mpi::Launch;
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(3).run(None, |world| {
        println!(
            "hello world from process {} of {}",
            world.rank(),
            world.size()
        );
        Ok(())
    })
}
