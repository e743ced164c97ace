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
use common::{Barrier, Lock, Process, cli::StartArgs, current_process};

#[derive(Parser)]
#[command(about = "Processes meet at a barrier, then print one at a time under a lock")]
struct Args {
    /// Seconds the last barrier process waits before it arrives at the barrier
    #[arg(long, value_name = "SECONDS", default_value_t = 0.0, value_parser = seconds)]
    late: f64,
    /// How many processes meet at the barrier
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=64))]
    barrier_processes: u32,
    #[command(flatten)]
    start: StartArgs,
}

fn seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if (0.0..=3600.0).contains(&s) => Ok(s),
        _ => Err("expected a number of seconds from 0 to 3600".into()),
    }
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
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let seconds = now.as_secs() as libc::time_t;
    // SAFETY: localtime_r fills the `tm` we own from a valid time_t.
    let tm = unsafe {
        let mut tm = std::mem::zeroed::<libc::tm>();
        libc::localtime_r(&seconds, &mut tm);
        tm
    };
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}",
        tm.tm_year + 1900,
        tm.tm_mon + 1,
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
        now.subsec_micros()
    )
}

fn main() -> std::process::ExitCode {
    common::main(run)
}

fn run() -> common::Result<()> {
    let args: Args = common::cli::parse();
    common::set_start_method(args.start.start_method);
    // ANCHOR: main
    let n = args.barrier_processes;
    let synchronizer = Barrier::new(n)?;
    let serializer = Lock::new()?;
    for i in 1..=n {
        let late = if i == n { args.late } else { 0.0 };
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
