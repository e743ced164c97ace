//! Using the mpi4py Python module: hello world.
//!
//! The Python recipe is the smallest MPI program: every copy of it asks the
//! world communicator for its own rank and prints it. Started with
//! `mpiexec -n 5`, five copies run and five lines appear, in any order.
//!
//! Run it: `cargo run --bin hello` (5 ranks; `-- --np 3` for three), or
//! `mpiexec -n 5 target/debug/hello`.

use clap::Parser;
use common::mpi::Launch;
use mpi::topology::Communicator;

#[derive(Parser)]
#[command(about = "Every MPI rank says hello with its rank")]
struct Args {}

fn main() -> std::process::ExitCode {
    Launch::new(5).main(|_: &Args, world| {
        // ANCHOR: hello
        let rank = world.rank();
        println!("hello world from process {rank}");
        // ANCHOR_END: hello
        Ok(())
    })
}
