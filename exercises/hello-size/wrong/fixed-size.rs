// The size is written in: "of 3", right only when 3 ranks run. The check
// starts the program at two other counts.

use common::mpi::Launch;
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(3).run(None, |world| {
        println!("hello world from process {} of {}", world.rank(), 3);
        Ok(())
    })
}
