// Rank 0 prints a reply it never received, worked out from what it knows
// (its own pid, plus one): the reply must carry rank 1's pid, which only a
// message from rank 1 can bring.

use common::mpi::Launch;
use mpi::point_to_point::{Destination, Source};
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(2)
        .at_least(2, "rank 0 talks to rank 1")
        .run(None, |world| {
            let pid = i64::from(std::process::id());
            println!("rank {} is pid {pid}", world.rank());
            match world.rank() {
                0 => {
                    world.process_at_rank(1).send(&pid);
                    println!("reply: {}", pid + 1);
                }
                1 => {
                    let (data, _) = world.process_at_rank(0).receive::<i64>();
                    println!("received {data}");
                }
                _ => {}
            }
            Ok(())
        })
}
