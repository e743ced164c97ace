//! The scatter recipe, taken home: rank 0 scatters 1..=N, so rank r gets
//! r+1. Run it with `mpiexec -n 10`.

use mpi::collective::Root;
use mpi::topology::Communicator;

fn main() {
    let universe = mpi::initialize().expect("MPI is initialised once");
    let world = universe.world();
    let rank = world.rank();
    let root = world.process_at_rank(0);
    let mut recvbuf = 0_i64;
    if rank == 0 {
        // Exactly one value per rank: rsmpi sends len/size to each.
        let array_to_share: Vec<i64> = (1..=i64::from(world.size())).collect();
        root.scatter_into_root(&array_to_share[..], &mut recvbuf);
    } else {
        root.scatter_into(&mut recvbuf);
    }
    println!("process = {rank} variable shared  = {recvbuf}");
}
