//! Avoiding deadlock problems.
//!
//! In the Python recipe ranks 1 and 5 swap a one-letter string: rank 1
//! sends `"a"` and rank 5 sends `"b"`. The first edition has both ranks
//! receive first, so each waits for a message the other never sends, and
//! the program hangs. The fixes it discusses: one rank sends first while
//! the other receives first; both send first (it works only because a small
//! message is buffered); or `sendrecv`, which does both at once.
//!
//! Every variant is here (`--variant`); the default is the book's fix, one
//! sends first. A watchdog ends a deadlocked rank after `--timeout` seconds,
//! saying where it is stuck. `--bytes` makes the messages larger: past the
//! MPI library's eager limit, "both send first" deadlocks too.
//!
//! Run it: `cargo run --bin deadlock` (9 ranks), or
//! `cargo run --bin deadlock -- --variant recv-first`.

use clap::Parser;
use common::mpi::{Launch, Watchdog};
use mpi::point_to_point::{Destination, Source, send_receive_into};
use mpi::topology::Communicator;
use std::time::Duration;

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Variant {
    /// Both ranks receive, then send: always deadlocks (the first edition)
    RecvFirst,
    /// Rank 1 sends then receives; rank 5 receives then sends (the fix)
    OneFirst,
    /// Both send, then receive: works only while messages are buffered
    SendFirst,
    /// Both call sendrecv, which sends and receives at once
    Sendrecv,
}

#[derive(Parser)]
#[command(about = "Ranks 1 and 5 exchange messages, safely or into a deadlock")]
struct Args {
    /// Which order the two ranks send and receive in
    #[arg(long, value_enum, default_value_t = Variant::OneFirst)]
    variant: Variant,
    /// The size of each message, in bytes (1 is the book's one letter)
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=(64 << 20)))]
    bytes: u32,
    /// Seconds a rank may stay stuck before the watchdog ends the program
    #[arg(long, value_name = "SECONDS", default_value_t = 3.0, value_parser = common::cli::positive_seconds)]
    timeout: f64,
}

const LAUNCH: Launch = Launch::new(9).at_least(6, "ranks 1 and 5 exchange messages");

/// How a message is shown: the book's one letter, or its size when larger.
fn describe(data: &[u8]) -> String {
    match data {
        [letter] => (*letter as char).to_string(),
        [letter, ..] => format!("{}... ({} bytes)", *letter as char, data.len()),
        [] => String::new(),
    }
}

/// What the watchdog says when this variant is stuck.
fn why_stuck(variant: Variant, bytes: u32) -> String {
    match variant {
        Variant::RecvFirst => "both ranks wait to receive, and neither gets to its send".into(),
        Variant::SendFirst => format!(
            "both ranks are in a blocking send of {bytes} bytes; a message this large is not \
             buffered (it is past the MPI library's eager limit), so each send waits for a \
             receive that the other rank never reaches"
        ),
        _ => "this order should not deadlock: is another program hogging the CPUs?".into(),
    }
}

fn main() -> std::process::ExitCode {
    LAUNCH.main(|args: &Args, world| {
        let (variant, bytes) = (args.variant, args.bytes);
        let stuck_for = Duration::from_secs_f64(args.timeout);
        // ANCHOR: body
        let rank = world.rank();
        let (partner, letter, sep) = match rank {
            1 => (5, b'a', " "),
            5 => (1, b'b', " :"),
            _ => return Ok(()), // only ranks 1 and 5 take part
        };
        let data = vec![letter; bytes as usize];
        let other = world.process_at_rank(partner);
        let watchdog = Watchdog::start(rank, stuck_for, why_stuck(variant, bytes));
        let send = || {
            watchdog.enter(format!("send to rank {partner}"));
            other.send(&data[..]);
            println!("sending data {}{sep}to process {partner}", describe(&data));
        };
        let receive = || {
            watchdog.enter(format!("receive from rank {partner}"));
            let (received, _status) = other.receive_vec::<u8>();
            println!("data received is = {}", describe(&received));
        };
        match (variant, rank) {
            (Variant::RecvFirst, _) | (Variant::OneFirst, 5) => {
                receive();
                send();
            }
            (Variant::SendFirst, _) | (Variant::OneFirst, _) => {
                send();
                receive();
            }
            (Variant::Sendrecv, _) => {
                watchdog.enter(format!("sendrecv with rank {partner}"));
                let mut received = vec![0_u8; data.len()];
                send_receive_into(&data[..], &other, &mut received[..], &other);
                println!("sending data {}{sep}to process {partner}", describe(&data));
                println!("data received is = {}", describe(&received));
            }
        }
        watchdog.finish();
        // ANCHOR_END: body
        Ok(())
    })
}
