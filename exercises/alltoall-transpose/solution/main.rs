//! A solution: all-to-all sends element c of each row to rank c, which
//! stores what rank r sent at index r: row r's element c lands at [r] on
//! rank c. That is a transposition.

use common::mpi::Launch;
use mpi::collective::CommunicatorCollectives;
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(3).run(None, |world| {
        let (rank, size) = (world.rank() as i64, world.size() as i64);
        let pid = i64::from(std::process::id());
        println!("rank {rank} is pid {pid}");
        let row: Vec<i64> = (0..size).map(|c| 100 * pid + c).collect();
        let mut column = vec![0i64; size as usize];
        world.all_to_all_into(&row[..], &mut column[..]);
        println!("rank {rank} column {column:?}");
        Ok(())
    })
}
