//! Exercise: turn the deadlocking exchange into a correct one.
//!
//! Ranks 0 and 1 each send the other a 1 MB message, then receive the
//! other's. A message this large is not buffered, so each `send` waits for
//! the other rank to receive, which it never does: both wait for ever. (A
//! watchdog ends the program after 3 seconds.)
//!
// TODO: make the exchange complete, in two ways: the program is run as
// `mpi-deadlock-fix order` and as `mpi-deadlock-fix sendrecv`, and each
// has its own arm in `exchange` below. (1) `order`: one rank receives
// first, the other sends first, with `send` and `receive_into`; (2)
// `sendrecv`: both at once with `mpi::point_to_point::send_receive_into`.
// The check runs both, records which MPI calls each rank makes, and wants
// "rank 0 got 1000000 bytes of 2" and "rank 1 got 1000000 bytes of 1". Then say why the first version hangs
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
use mpi::topology::{Communicator, Process};
use std::time::Duration;

/// Sends `mine` to `other` and receives its message into `theirs`.
fn exchange(
    way: &str,
    rank: i32,
    other: &Process,
    mine: &[u8],
    theirs: &mut [u8],
    watchdog: &Watchdog,
) {
    let _ = rank;
    match way {
        "order" => {
            // TODO (1): one rank receives first.
            watchdog.enter("send");
            other.send(mine);
            watchdog.enter("receive");
            other.receive_into(theirs);
        }
        _ => {
            // TODO (2): both at once.
            watchdog.enter("send");
            other.send(mine);
            watchdog.enter("receive");
            other.receive_into(theirs);
        }
    }
}

fn main() -> std::process::ExitCode {
    let way = std::env::args().nth(1).unwrap_or_else(|| "order".into());
    Launch::new(2)
        .at_least(2, "ranks 0 and 1 exchange")
        .run(None, |world| {
            if way != "order" && way != "sendrecv" {
                return Err(common::Error::usage(format!(
                    "unknown way {way:?}: give `order` or `sendrecv`"
                )));
            }
            let rank = world.rank();
            if rank > 1 {
                return Ok(());
            }
            let other = world.process_at_rank(1 - rank);
            let mine = vec![rank as u8 + 1; 1_000_000];
            let mut theirs = vec![0u8; 1_000_000];
            let watchdog = Watchdog::start(rank, Duration::from_secs(3), format!("way {way}"));
            exchange(&way, rank, &other, &mine, &mut theirs, &watchdog);
            watchdog.finish();
            // The bytes that arrived (the buffer starts as zeros).
            let arrived = theirs.iter().filter(|&&b| b != 0).count();
            println!("rank {rank} got {arrived} bytes of {}", theirs[0]);
            Ok(())
        })
}
