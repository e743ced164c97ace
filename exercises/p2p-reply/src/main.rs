//! Exercise: answer back.
//!
//! Rank 0 sends 10000000 to rank 1, which prints it (see the
//! point-to-point recipe).
//!
// TODO: have rank 1 send back the number plus one, and rank 0 receive it and
// print "reply: 10000001". The check runs 2 ranks and wants "received
// 10000000" and "reply: 10000001".

use common::mpi::Launch;
use mpi::point_to_point::{Destination, Source};
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(2)
        .at_least(2, "rank 0 talks to rank 1")
        .run(None, |world| {
            match world.rank() {
                0 => world.process_at_rank(1).send(&10_000_000i64),
                1 => {
                    let (data, _) = world.process_at_rank(0).receive::<i64>();
                    println!("received {data}");
                }
                _ => {}
            }
            Ok(())
        })
}
