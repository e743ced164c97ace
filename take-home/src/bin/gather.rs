//! The gather recipe, taken home: each rank sends (rank+1)^2; rank 0
//! prints what arrived. Run it with `mpiexec -n 5`.

use mpi::collective::Root;
use mpi::topology::Communicator;

fn main() {
    let universe = mpi::initialize().expect("MPI is initialised once");
    let world = universe.world();
    let (rank, size) = (world.rank(), world.size());
    let root = world.process_at_rank(0);
    let data = (i64::from(rank) + 1).pow(2);
    if rank == 0 {
        let mut gathered = vec![0_i64; size as usize];
        root.gather_into_root(&data, &mut gathered[..]);
        println!("rank = {rank} ...receiving data to other process");
        for (i, value) in gathered.iter().enumerate().skip(1) {
            println!(" process {rank} receiving {value} from process {i}");
        }
    } else {
        root.gather_into(&data);
    }
}
