//! Collective communication using a scatter function.
//!
//! In the Python recipe rank 0 holds the list `[1, 2, ..., 10]` and
//! `comm.scatter(..., root=0)` hands element r to rank r, so rank r prints
//! r+1. Here the root's list is `1..=N` for N ranks, so any count works.
//!
//! Run it: `cargo run --bin scatter` (10 ranks), or
//! `mpiexec -n 10 target/debug/scatter`.

use clap::Parser;
use common::mpi::Launch;
use mpi::collective::Root;
use mpi::topology::Communicator;

#[derive(Parser)]
#[command(about = "Rank 0 scatters 1..=N: rank r gets r+1")]
struct Args {}

fn main() -> std::process::ExitCode {
    Launch::new(10).main(|_: &Args, world| {
        // ANCHOR: body
        let rank = world.rank();
        let root = world.process_at_rank(0);
        let mut recvbuf = 0_i64;
        if rank == 0 {
            let array_to_share: Vec<i64> = (1..=world.size() as i64).collect();
            root.scatter_into_root(&array_to_share[..], &mut recvbuf);
        } else {
            root.scatter_into(&mut recvbuf);
        }
        println!("process = {rank} variable shared  = {recvbuf}");
        // ANCHOR_END: body
        Ok(())
    })
}
