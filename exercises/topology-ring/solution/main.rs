//! A solution: `shift(0, 1)` gives (left, right) on the periodic ring; one
//! `send_receive_into` sends right and receives from the left, with no
//! risk of deadlock however many ranks there are.

use common::mpi::Launch;
use mpi::point_to_point::send_receive_into;
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
        let mut received: i64 = -1;
        send_receive_into(
            &pid,
            &ring.process_at_rank(right),
            &mut received,
            &ring.process_at_rank(left),
        );
        println!("rank {rank} got {received}");
        Ok(())
    })
}
