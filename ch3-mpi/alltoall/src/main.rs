//! Collective communication using Alltoall.
//!
//! In the Python recipe rank r builds the array `(r+1) * [0, 1, ..., N-1]`
//! and `comm.Alltoall` sends element j of it to rank j; so rank j receives,
//! from each rank i, the number `(i+1) * j`. Each rank prints what it sent
//! and what it received.
//!
//! Run it: `cargo run --bin alltoall` (5 ranks), or
//! `mpiexec -n 5 target/debug/alltoall`.

use clap::Parser;
use common::mpi::{Launch, numpy};
use mpi::collective::CommunicatorCollectives;
use mpi::topology::Communicator;

#[derive(Parser)]
#[command(about = "Every rank sends element j of its array to rank j")]
struct Args {}

fn main() -> std::process::ExitCode {
    Launch::new(5).main(|_: &Args, world| {
        // ANCHOR: body
        let (rank, size) = (world.rank() as i64, world.size() as i64);
        let senddata: Vec<i64> = (0..size).map(|j| (rank + 1) * j).collect();
        let mut recvdata = vec![0_i64; size as usize];
        world.all_to_all_into(&senddata[..], &mut recvdata[..]);
        println!(
            "process {rank} sending {} receiving {}",
            numpy(&senddata),
            numpy(&recvdata)
        );
        // ANCHOR_END: body
        Ok(())
    })
}
