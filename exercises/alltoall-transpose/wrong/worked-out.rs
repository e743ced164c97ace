// Each rank works its column out from rank and size, as if M[r][c] were
// size * r + c, with no exchange: the rows are built from each rank's pid,
// which only the all-to-all brings to the others.

use common::mpi::Launch;
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(3).run(None, |world| {
        let (rank, size) = (world.rank() as i64, world.size() as i64);
        let pid = i64::from(std::process::id());
        println!("rank {rank} is pid {pid}");
        let column: Vec<i64> = (0..size).map(|i| size * i + rank).collect();
        println!("rank {rank} column {column:?}");
        Ok(())
    })
}
