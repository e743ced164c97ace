// Exchanges only the first kilobyte, small enough to be buffered, so the
// deadlock is gone, but the rest of the megabyte never arrives.

use common::mpi::{Launch, Watchdog};
use mpi::point_to_point::send_receive_into;
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
            send_receive_into(&mine[..1000], &other, &mut theirs[..1000], &other);
            watchdog.finish();
            // The bytes that arrived (the buffer starts as zeros).
            let arrived = theirs.iter().filter(|&&b| b != 0).count();
            println!("rank {rank} got {arrived} bytes of {}", theirs[0]);
            Ok(())
        })
}
