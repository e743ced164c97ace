//! The broadcast recipe, taken home: rank 0 broadcasts 100.
//! Run it with `mpiexec -n 10`.

use mpi::collective::Root;
use mpi::topology::Communicator;

fn main() {
    let universe = mpi::initialize().expect("MPI is initialised once");
    let world = universe.world();
    let rank = world.rank();
    let mut variable_to_share = if rank == 0 { 100_i64 } else { 0 };
    world
        .process_at_rank(0)
        .broadcast_into(&mut variable_to_share);
    println!("process = {rank} variable shared  = {variable_to_share}");
}
