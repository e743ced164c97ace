//! Collective communication using a gather function.
//!
//! In the Python recipe each rank computes `(rank+1)**2` and
//! `comm.gather(data, root=0)` collects the values, in rank order, on rank
//! 0, which prints what it received from every other rank.
//!
//! Run it: `cargo run --bin gather` (5 ranks), or
//! `mpiexec -n 5 target/debug/gather`.

use clap::Parser;
use common::mpi::Launch;
use mpi::collective::Root;
use mpi::topology::Communicator;

#[derive(Parser)]
#[command(about = "Each rank sends (rank+1)^2; rank 0 gathers and prints them")]
struct Args {}

fn main() -> std::process::ExitCode {
    Launch::new(5).main(|_: &Args, world| {
        // ANCHOR: body
        let (rank, size) = (world.rank(), world.size());
        let root = world.process_at_rank(0);
        let data = (rank as i64 + 1).pow(2);
        if rank == 0 {
            let mut gathered = vec![0_i64; size as usize];
            root.gather_into_root(&data, &mut gathered[..]);
            println!("rank = {rank} ...receiving data to other process");
            // Print what arrived, not a recomputation of what should have.
            for (i, value) in gathered.iter().enumerate().skip(1) {
                println!(" process {rank} receiving {value} from process {i}");
            }
        } else {
            root.gather_into(&data);
        }
        // ANCHOR_END: body
        Ok(())
    })
}
