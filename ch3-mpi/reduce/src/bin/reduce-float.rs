//! Floating-point sums depend on their grouping, and a reduction chooses
//! the grouping: rank 0 holds 1e16, every other rank 1.0.
//!
//! Near 1e16 an `f64` can only hold even numbers, so 1e16 + 1.0 rounds back
//! to 1e16 (a tie, rounded to the even neighbour) and the 1.0 is lost,
//! while 1.0 + 1.0 = 2.0 added to 1e16 survives. The root prints the sum
//! taken left to right, the sum with the ones added first, and what
//! `reduce` with `SystemOperation::sum()` gave: MPI may group the ranks'
//! values however its algorithm likes.
//!
//! Run it: `cargo run --bin reduce-float` (4 ranks), or
//! `mpiexec -n 4 target/debug/reduce-float`.

use clap::Parser;
use common::mpi::{Launch, MpiArgs};
use mpi::collective::{Root, SystemOperation};
use mpi::topology::Communicator;

#[derive(Parser)]
#[command(
    about = "Sum 1e16 and ones over the ranks: the grouping changes the floating-point result"
)]
struct Args {
    #[command(flatten)]
    mpi: MpiArgs,
}

fn main() -> std::process::ExitCode {
    let args: Args = common::cli::parse();
    Launch::new(4).run_with(&args.mpi, |world| {
        // ANCHOR: body
        let rank = world.rank();
        let mine: f64 = if rank == 0 { 1e16 } else { 1.0 };
        let root = world.process_at_rank(0);
        if rank == 0 {
            let mut all = vec![0.0_f64; world.size() as usize];
            root.gather_into_root(&mine, &mut all[..]);
            let mut reduced = 0.0_f64;
            root.reduce_into_root(&mine, &mut reduced, SystemOperation::sum());

            let left_to_right = all.iter().fold(0.0, |sum, x| sum + x);
            let ones_first = all[0] + all[1..].iter().fold(0.0, |sum, x| sum + x);
            println!("values: {all:?}");
            println!("left to right: {left_to_right}");
            println!("ones first:    {ones_first}");
            println!("MPI's reduce:  {reduced}");
        } else {
            root.gather_into(&mine);
            root.reduce_into(&mine, SystemOperation::sum());
        }
        // ANCHOR_END: body
        Ok(())
    })
}
