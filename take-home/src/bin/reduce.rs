//! The reduce recipe, taken home: every rank sends (rank+1)*[0, 1, ..];
//! rank 0 receives the element-wise sum. Run it with `mpiexec -n 3`.

use mpi::collective::{Root, SystemOperation};
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
    println!("process {rank} sending {}", numpy(&senddata));
    let root = world.process_at_rank(0);
    if rank == 0 {
        let mut recvdata = vec![0_i64; size as usize];
        root.reduce_into_root(&senddata[..], &mut recvdata[..], SystemOperation::sum());
        println!("on task {rank} after Reduce: data = {}", numpy(&recvdata));
    } else {
        root.reduce_into(&senddata[..], SystemOperation::sum());
    }
}
