//! Exercise: share out a sum.
//!
//! Rank 0 adds up 1 to 100 on its own while the other ranks do nothing.
//!
// TODO: scatter the numbers (100 / N to each of N ranks: 25 each for 4),
// have each rank add up its share and print "rank R summed K numbers: S",
// then `reduce` the partial sums to rank 0, which prints "total 5050". The
// check runs 2 and 5 ranks as well as 4.

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
