// Rank 1 sends the number back as it came, without adding its pid.

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
                    let (reply, _) = world.process_at_rank(1).receive::<i64>();
                    println!("reply: {reply}");
                }
                1 => {
                    let (data, _) = world.process_at_rank(0).receive::<i64>();
                    println!("received {data}");
                    world.process_at_rank(0).send(&data);
                }
                _ => {}
            }
            Ok(())
        })
}
