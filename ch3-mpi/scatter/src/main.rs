//! Collective communication using a scatter function.
//!
//! In the Python recipe rank 0 holds the list `[1, 2, ..., 10]` and
//! `comm.scatter(..., root=0)` hands element r to rank r, so rank r prints
//! r+1. Here the root's list is `1..=N` for N ranks, so any count works.
//!
//! Run it: `cargo run --bin scatter` (10 ranks), or
//! `mpiexec -n 10 target/debug/scatter`. `--values 12` gives the root a
//! list of another length, to see what MPI does with one that does not fit.

use clap::Parser;
use common::mpi::{Launch, Watchdog};
use mpi::collective::Root;
use mpi::topology::Communicator;
use std::time::Duration;

#[derive(Parser)]
#[command(about = "Rank 0 scatters 1..=N: rank r gets r+1")]
struct Args {
    /// How many numbers the root's list holds [default: one per rank]. A
    /// list of the wrong length is not refused by MPI: see the page.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    values: Option<u32>,
}

fn main() -> std::process::ExitCode {
    Launch::new(10).main(|args: &Args, world| {
        let values = args.values.map_or(world.size() as i64, i64::from);
        // A list shorter than the ranks leaves some waiting for ever: a
        // watchdog ends them and says so (only then: it costs a thread).
        let watchdog = (values < world.size() as i64).then(|| {
            let why = format!(
                "the root's list of {values} numbers gives each of the {} ranks {} of them",
                world.size(),
                values / world.size() as i64
            );
            Watchdog::start(world.rank(), Duration::from_secs(2), why)
        });
        if let Some(w) = &watchdog {
            w.enter("scatter");
        }
        // ANCHOR: body
        let rank = world.rank();
        let root = world.process_at_rank(0);
        let mut recvbuf = 0_i64;
        if rank == 0 {
            let array_to_share: Vec<i64> = (1..=values).collect();
            root.scatter_into_root(&array_to_share[..], &mut recvbuf);
        } else {
            root.scatter_into(&mut recvbuf);
        }
        println!("process = {rank} variable shared  = {recvbuf}");
        // ANCHOR_END: body
        if let Some(w) = watchdog {
            w.finish();
        }
        Ok(())
    })
}
