//! The hello recipe, taken home: every rank prints its rank.
//! Run it: `cargo build --bin hello && mpiexec -n 5 target/debug/hello`.

use mpi::topology::Communicator;

fn main() {
    let universe = mpi::initialize().expect("MPI is initialised once");
    let world = universe.world();
    let rank = world.rank();
    println!("hello world from process {rank}");
}
