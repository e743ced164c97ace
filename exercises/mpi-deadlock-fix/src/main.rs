//! Exercise: turn the deadlocking exchange into a correct one.
//!
//! Ranks 0 and 1 each send the other a 1 MB message, then receive the
//! other's. A message this large is not buffered, so each `send` waits for
//! the other rank to receive, which it never does: both wait for ever. (A
//! watchdog ends the program after 3 seconds.)
//!
// TODO: make the exchange complete. Two ways, try both: (1) let one rank
// receive first; (2) use `mpi::point_to_point::send_receive_into`, which
// does both at once. The check wants "rank 0 got 1000000 bytes of 2" and
// "rank 1 got 1000000 bytes of 1". Then say why the first version hangs
// with 1 MB but not with a few bytes: put the letter in answer.txt beside
// this folder, as `answer: x`:
//   a) MPI allows only one send at a time in the whole job
//   b) a small message is copied into a buffer and the send returns; a
//      large one waits for the matching receive, and both ranks are
//      sending, so no receive is ever reached
//   c) large messages are split, and the pieces arrive out of order
//   d) the watchdog stops large sends after 3 seconds

use common::mpi::{Launch, Watchdog};
use mpi::point_to_point::{Destination, Source};
use mpi::topology::Communicator;
use std::time::Duration;

fn main() -> std::process::ExitCode {
    Launch::new(2)
        .at_least(2, "ranks 0 and 1 exchange")
        .run(None, |world| {
            let rank = world.rank();
            if rank > 1 {
                return Ok(());
            }
            let other = world.process_at_rank(1 - rank);
            let mine = vec![rank as u8 + 1; 1_000_000];
            let mut theirs = vec![0u8; 1_000_000];
            let watchdog =
                Watchdog::start(rank, Duration::from_secs(3), "both ranks send first".into());
            watchdog.enter("send");
            other.send(&mine[..]);
            watchdog.enter("receive");
            other.receive_into(&mut theirs[..]);
            watchdog.finish();
            // The bytes that arrived (the buffer starts as zeros).
            let arrived = theirs.iter().filter(|&&b| b != 0).count();
            println!("rank {rank} got {arrived} bytes of {}", theirs[0]);
            Ok(())
        })
}
