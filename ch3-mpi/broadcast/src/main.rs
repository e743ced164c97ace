//! Collective communication using broadcast.
//!
//! In the Python recipe rank 0 sets `variable_to_share = 100`, the other
//! ranks have nothing, and `comm.bcast(..., root=0)` gives every rank the
//! root's value; each prints it.
//!
//! Run it: `cargo run --bin broadcast` (10 ranks), or
//! `mpiexec -n 10 target/debug/broadcast`.

use clap::Parser;
use common::mpi::Launch;
use mpi::collective::Root;
use mpi::topology::Communicator;

#[derive(Parser)]
#[command(about = "Rank 0 broadcasts a value; every rank prints what it got")]
struct Args {
    /// The value rank 0 shares
    #[arg(long, default_value_t = 100, allow_negative_numbers = true)]
    value: i64,
}

fn main() -> std::process::ExitCode {
    Launch::new(10).main(|args: &Args, world| {
        let value = args.value;
        // ANCHOR: body
        let rank = world.rank();
        // Every rank needs a buffer of the right type: the root's holds the value.
        let mut variable_to_share = if rank == 0 { value } else { 0 };
        world
            .process_at_rank(0)
            .broadcast_into(&mut variable_to_share);
        println!("process = {rank} variable shared  = {variable_to_share}");
        // ANCHOR_END: body
        Ok(())
    })
}
