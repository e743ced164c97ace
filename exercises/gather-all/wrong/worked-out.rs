// Every rank works the list out by itself from rank and size (the
// squares (r + 1)^2), without communicating: the values are the ranks'
// pids, which only a gather can bring to the other ranks.

use common::mpi::Launch;
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(4).run(None, |world| {
        let (rank, size) = (world.rank(), world.size() as i64);
        let mine = i64::from(std::process::id());
        println!("rank {rank} is pid {mine}");
        let all: Vec<i64> = (1..=size).map(|r| r * r).collect();
        println!("rank {rank} has {all:?}");
        Ok(())
    })
}
