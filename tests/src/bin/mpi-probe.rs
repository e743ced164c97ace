//! A test helper, not a recipe: MPI calls made at known moments, for the
//! timeline test (`tests/tests/timelines.rs`). Rank 0 reaches each
//! collective (a bcast, an allreduce, a barrier) `--late` milliseconds
//! after the others, so every other rank is seen waiting in it for at
//! least that long; then rank 1 sends rank 0 a number that rank 0 is
//! already waiting for.

use clap::Parser;
use common::mpi::Launch;
use mpi::collective::{CommunicatorCollectives, Root, SystemOperation};
use mpi::point_to_point::{Destination, Source};
use mpi::topology::Communicator;
use std::time::Duration;

#[derive(Parser)]
struct Args {
    /// How late rank 0 comes to each collective, in milliseconds
    #[arg(long, default_value_t = 300)]
    late: u64,
}

fn main() -> std::process::ExitCode {
    Launch::new(3)
        .at_least(2, "rank 1 sends to rank 0")
        .main(|args: &Args, world| {
            let rank = world.rank();
            let late = || {
                if rank == 0 {
                    std::thread::sleep(Duration::from_millis(args.late));
                }
            };
            let root = world.process_at_rank(0);
            late();
            let mut value = if rank == 0 { 7_i64 } else { 0 };
            root.broadcast_into(&mut value);
            late();
            // An allreduce, not a reduce: MPICH lets a reduce's other ranks
            // send their part and go on, so only the root would wait.
            let mut total = 0_i64;
            world.all_reduce_into(&value, &mut total, SystemOperation::sum());
            late();
            world.barrier();
            // Rank 0 waits for this one, sent late.
            if rank == 1 {
                std::thread::sleep(Duration::from_millis(args.late));
                world.process_at_rank(0).send(&total);
            } else if rank == 0 {
                let (got, _) = world.process_at_rank(1).receive::<i64>();
                println!("rank 0 got {got}");
            }
            Ok(())
        })
}
