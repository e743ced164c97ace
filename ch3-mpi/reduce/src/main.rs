//! Reduction operation.
//!
//! In the Python recipe rank r sends the array `(r+1) * [0, 1, ..., N-1]`
//! and `comm.Reduce(..., op=MPI.SUM, root=0)` adds them element by element
//! on rank 0, which prints the result. With 3 ranks: `[0 6 12]`.
//!
//! Run it: `cargo run --bin reduce` (3 ranks; `-- --op max` for another
//! operation), or `mpiexec -n 3 target/debug/reduce`.

use clap::Parser;
use common::mpi::{Launch, numpy};
use mpi::collective::{Root, SystemOperation};
use mpi::topology::Communicator;

#[derive(Clone, Copy, clap::ValueEnum)]
enum Op {
    Sum,
    Prod,
    Min,
    Max,
}

#[derive(Parser)]
#[command(about = "Every rank sends an array; rank 0 receives their element-wise reduction")]
struct Args {
    /// The reduction applied element by element
    #[arg(long, value_enum, default_value_t = Op::Sum)]
    op: Op,
}

fn main() -> std::process::ExitCode {
    Launch::new(3).main(|args: &Args, world| {
        let op = match args.op {
            Op::Sum => SystemOperation::sum(),
            Op::Prod => SystemOperation::product(),
            Op::Min => SystemOperation::min(),
            Op::Max => SystemOperation::max(),
        };
        // ANCHOR: body
        let (rank, size) = (world.rank() as i64, world.size() as i64);
        let senddata: Vec<i64> = (0..size).map(|j| (rank + 1) * j).collect();
        println!("process {rank} sending {}", numpy(&senddata));
        let root = world.process_at_rank(0);
        if rank == 0 {
            let mut recvdata = vec![0_i64; size as usize];
            root.reduce_into_root(&senddata[..], &mut recvdata[..], op);
            println!("on task {rank} after Reduce: data = {}", numpy(&recvdata));
        } else {
            root.reduce_into(&senddata[..], op);
        }
        // ANCHOR_END: body
        Ok(())
    })
}
