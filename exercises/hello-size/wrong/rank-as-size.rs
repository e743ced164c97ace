// Each rank prints its own rank twice (`world.rank()` where the size
// belongs): a slip of the eye that only the last rank's line hides.

use common::mpi::Launch;
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(3).run(None, |world| {
        println!(
            "hello world from process {} of {}",
            world.rank(),
            world.rank()
        );
        Ok(())
    })
}
