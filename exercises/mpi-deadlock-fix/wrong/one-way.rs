// Rank 0 receives first, then sends; rank 1 sends, and forgets to
// receive. Rank 0's send then waits for ever (the watchdog stops it). With
// rank 0's bytes zeros, rank 1 used to print the right line anyway.

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
            let watchdog = Watchdog::start(
                rank,
                Duration::from_secs(3),
                "the exchange should not block".into(),
            );
            watchdog.enter("sendrecv");
            if rank == 0 {
                other.receive_into(&mut theirs[..]);
                other.send(&mine[..]);
            } else {
                other.send(&mine[..]);
            }
            watchdog.finish();
            // The bytes that arrived (the buffer starts as zeros).
            let arrived = theirs.iter().filter(|&&b| b != 0).count();
            println!("rank {rank} got {arrived} bytes of {}", theirs[0]);
            Ok(())
        })
}
