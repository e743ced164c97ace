// `order` is wrong: rank 1 sends and forgets to receive, so rank 0's send
// waits for ever. (With rank 0's bytes zeros, rank 1 used to print the
// right line anyway.)

use common::mpi::{Launch, Watchdog};
use mpi::point_to_point::{Destination, Source, send_receive_into};
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
    match way {
        "order" => {
            // Rank 1 sends and forgets to receive: rank 0's send then
            // waits for ever (the watchdog stops it).
            if rank == 0 {
                watchdog.enter("receive");
                other.receive_into(theirs);
                watchdog.enter("send");
                other.send(mine);
            } else {
                watchdog.enter("send");
                other.send(mine);
            }
        }
        _ => {
            // Both posted together: neither rank waits for the other.
            watchdog.enter("sendrecv");
            send_receive_into(mine, other, theirs, other);
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
