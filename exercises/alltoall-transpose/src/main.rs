//! Exercise: transpose a matrix held one row per rank.
//!
//! Each rank says its pid; rank r holds row r of the matrix
//! M[r][c] = 100 * (rank r's pid) + c.
//!
// TODO: with one `all_to_all_into`, make each rank hold *column* r instead,
// and print "rank R column [..]": rank R's column holds M[0][R], M[1][R],
// ..., built from every rank's pid. The check runs 2 and 4 ranks.

use common::mpi::Launch;
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(3).run(None, |world| {
        let (rank, size) = (world.rank() as i64, world.size() as i64);
        let pid = i64::from(std::process::id());
        println!("rank {rank} is pid {pid}");
        let row: Vec<i64> = (0..size).map(|c| 100 * pid + c).collect();
        println!("rank {rank} column {row:?}");
        Ok(())
    })
}
