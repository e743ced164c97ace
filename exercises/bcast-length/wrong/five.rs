// The other ranks make a buffer of five, the length they once saw, instead
// of being told: the length is rank 0's to choose (6 + its pid % 5), and
// never five.

use common::mpi::Launch;
use mpi::collective::Root;
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(3).run(None, |world| {
        let rank = world.rank();
        let root = world.process_at_rank(0);
        let pid = i64::from(std::process::id());
        println!("rank {rank} is pid {pid}");
        let mut data: Vec<i64> = if rank == 0 {
            (1..=6 + pid % 5).map(|i| 10 * i).collect()
        } else {
            vec![0; 5]
        };
        let mut len = data.len() as u64;
        root.broadcast_into(&mut len);
        root.broadcast_into(&mut data[..]);
        println!("rank {rank} has {data:?}");
        Ok(())
    })
}
