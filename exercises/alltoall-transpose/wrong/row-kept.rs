// No exchange: each rank prints its own row as its column. For rank 0 of a
// 1-rank run they agree; for any other count they do not.

use common::mpi::Launch;
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(3).run(None, |world| {
        let (rank, size) = (world.rank() as i64, world.size() as i64);
        let pid = i64::from(std::process::id());
        println!("rank {rank} is pid {pid}");
        let row: Vec<i64> = (0..size).map(|c| 100 * pid + c).collect();
        let mut column = vec![0i64; size as usize];
        column.copy_from_slice(&row);
        println!("rank {rank} column {column:?}");
        Ok(())
    })
}
