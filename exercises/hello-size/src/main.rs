//! Exercise: how many of us are there?
//!
// TODO: make each rank also say how many ranks there are, as
// "hello world from process R of N". The check runs 3 ranks.

use common::mpi::Launch;
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(3).run(None, |world| {
        println!("hello world from process {}", world.rank());
        Ok(())
    })
}
