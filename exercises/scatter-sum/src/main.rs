//! Exercise: share out a sum.
//!
//! Rank 0 adds up 1 to 100 on its own while the other ranks do nothing.
//!
// TODO: scatter the numbers (25 to each of 4 ranks), have each rank add up
// its share and print "rank R summed 25 numbers: S", then `reduce` the
// partial sums to rank 0, which prints "total 5050".

use common::mpi::Launch;
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(4).run(None, |world| {
        if world.rank() == 0 {
            let all: Vec<i64> = (1..=100).collect();
            println!("total {}", all.iter().sum::<i64>());
        }
        Ok(())
    })
}
