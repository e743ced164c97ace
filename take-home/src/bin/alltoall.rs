//! The alltoall recipe, taken home: rank r sends (r+1)*j to rank j.
//! Run it with `mpiexec -n 5`.

use mpi::collective::CommunicatorCollectives;
use mpi::topology::Communicator;

/// A row as numpy prints it: `[ 0  6 12]`.
fn numpy(values: &[i64]) -> String {
    let texts: Vec<String> = values.iter().map(ToString::to_string).collect();
    let width = texts.iter().map(String::len).max().unwrap_or(0);
    let cells: Vec<String> = texts.iter().map(|t| format!("{t:>width$}")).collect();
    format!("[{}]", cells.join(" "))
}

fn main() {
    let universe = mpi::initialize().expect("MPI is initialised once");
    let world = universe.world();
    let (rank, size) = (i64::from(world.rank()), i64::from(world.size()));
    let senddata: Vec<i64> = (0..size).map(|j| (rank + 1) * j).collect();
    let mut recvdata = vec![0_i64; size as usize];
    world.all_to_all_into(&senddata[..], &mut recvdata[..]);
    println!(
        "process {rank} sending {} receiving {}",
        numpy(&senddata),
        numpy(&recvdata)
    );
}
