//! Exercise: share out a sum.
//!
//! Each rank says its pid. Rank 0 adds up its 100 numbers (its pid plus
//! 1, plus 2, ..., plus 100) on its own while the other ranks do nothing.
//!
// TODO: scatter the numbers (100 / N to each of N ranks: 25 each for 4),
// have each rank add up its share and print "rank R summed K numbers: S",
// then `reduce` the partial sums to rank 0, which prints "total T". The
// check runs 2 and 5 ranks as well as 4, and works S and T out from the
// pid rank 0 says: only the numbers rank 0 sends give them.

use common::mpi::Launch;
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(4).run(None, |world| {
        let pid = i64::from(std::process::id());
        println!("rank {} is pid {pid}", world.rank());
        if world.rank() == 0 {
            let all: Vec<i64> = (1..=100).map(|i| pid + i).collect();
            println!("total {}", all.iter().sum::<i64>());
        }
        Ok(())
    })
}
