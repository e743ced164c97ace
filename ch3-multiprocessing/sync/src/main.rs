//! How to synchronize processes: a barrier and a lock.
//!
//! In the Python recipe two processes (`p1`, `p2`) wait at a `Barrier(2)`,
//! then print a timestamp while holding a `Lock`; two others (`p3`, `p4`)
//! print theirs at once. So p3 and p4 print first, and p1 and p2 print
//! together, only once both have reached the barrier.
//!
//! `--late` makes the last barrier process arrive late, so the wait can be
//! seen in the timestamps. The other primitives have short programs of
//! their own in `src/bin/` (see the page).
//!
//! Run it: `cargo run --bin sync` (`-- --help` lists the flags).

use clap::Parser;
use common::{Barrier, Lock, Process, current_process};

#[derive(Parser)]
#[command(about = "Processes meet at a barrier, then print one at a time under a lock")]
struct Args {
    /// Seconds the last barrier process waits before it arrives at the barrier
    #[arg(long, value_name = "SECONDS", default_value_t = 0.0, value_parser = common::cli::seconds)]
    late: f64,
    /// How many processes meet at the barrier
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=64))]
    barrier_processes: u32,
}

// ANCHOR: targets
fn test_with_barrier((synchronizer, serializer, late): (Barrier, Lock, f64)) -> common::Result<()> {
    let name = current_process().name;
    common::sleep(late); // --late: this process arrives late
    synchronizer.wait(None)?;
    let now = timestamp();
    let _held = serializer.acquire()?; // released when `_held` goes
    println!("process {name} ----> {now}");
    Ok(())
}

fn test_without_barrier() {
    let name = current_process().name;
    println!("process {name} ----> {}", timestamp());
}
// ANCHOR_END: targets

/// The local time with microseconds, as Python prints a `datetime`.
fn timestamp() -> String {
    jiff::Zoned::now()
        .strftime("%Y-%m-%d %H:%M:%S%.6f")
        .to_string()
}

fn main() -> std::process::ExitCode {
    common::run(run)
}

fn run(args: Args) -> common::Result<()> {
    let (n, last_is_late) = (args.barrier_processes, args.late);
    // ANCHOR: main
    let synchronizer = Barrier::new(n)?;
    let serializer = Lock::new()?;
    for i in 1..=n {
        let late = if i == n { last_is_late } else { 0.0 };
        let shared = (synchronizer.clone(), serializer.clone(), late);
        Process::with_args(test_with_barrier, shared)
            .name(format!("p{i} - test_with_barrier"))
            .start()?;
    }
    for i in n + 1..=n + 2 {
        Process::new(test_without_barrier)
            .name(format!("p{i} - test_without_barrier"))
            .start()?;
    }
    // The processes are joined when main ends, as in Python.
    // ANCHOR_END: main
    Ok(())
}
