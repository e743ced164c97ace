//! Exercise: answer back.
//!
//! Each rank says its pid; rank 0 sends its pid to rank 1, which prints
//! it (see the point-to-point recipe).
//!
// TODO: have rank 1 send back the number plus its own pid, and rank 0
// receive it and print "reply: N" (N = rank 0's pid + rank 1's pid). The
// check runs 2 ranks and wants "rank R is pid P" from each, "received P0"
// and "reply: P0+P1": only a real exchange knows both pids.

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
                0 => world.process_at_rank(1).send(&pid),
                1 => {
                    let (data, _) = world.process_at_rank(0).receive::<i64>();
                    println!("received {data}");
                }
                _ => {}
            }
            Ok(())
        })
}
