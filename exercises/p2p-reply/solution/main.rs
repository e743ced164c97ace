//! A solution: after its send, rank 0 receives; after its receive, rank 1
//! sends (the number plus its own pid). Each receive is matched by a send in the other rank, in the same
//! order, so nobody waits for ever.

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
                    world.process_at_rank(0).send(&(data + pid));
                }
                _ => {}
            }
            Ok(())
        })
}
