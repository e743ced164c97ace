// Each rank works its left neighbour out from rank and size, with no
// message, and prints that neighbour's rank: what it should print is the
// neighbour's pid, which only a message can bring.

use common::mpi::Launch;
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(4).run(None, |world| {
        let size = world.size();
        let ring = world
            .create_cartesian_communicator(&[size], &[true], false)
            .expect("every rank is in the ring");
        let rank = ring.rank();
        let pid = i64::from(std::process::id());
        println!("rank {rank} is pid {pid}");
        let received = (rank + size - 1) % size;
        println!("rank {rank} got {received}");
        Ok(())
    })
}
