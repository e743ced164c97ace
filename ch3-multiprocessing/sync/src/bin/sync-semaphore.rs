//! A semaphore: at most N processes inside at once. Each worker takes one
//! unit, counts itself in, works, counts itself out and gives the unit
//! back; a shared counter records the most that were ever inside together.
//! A bounded semaphore refuses a release that was never acquired.
//!
//! Run it: `cargo run --bin sync-semaphore` (`-- --help` lists the flags).

use clap::Parser;
use common::{Array, Process, Semaphore, current_process};

#[derive(Parser)]
#[command(about = "Let at most N of several processes in at once")]
struct Args {
    /// How many processes may be inside at once
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=64))]
    slots: u32,
    /// How many processes try to get in
    #[arg(long, value_name = "N", default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=64))]
    workers: u32,
}

/// `inside[0]`: how many are inside now; `inside[1]`: the most ever.
// ANCHOR: worker
fn worker((slots, inside): (Semaphore, Array<u32>)) -> common::Result<()> {
    slots.acquire()?;
    {
        let mut counts = inside.lock()?;
        counts[0] += 1;
        counts[1] = counts[1].max(counts[0]);
    }
    println!("{} is in", current_process().name);
    common::sleep(0.2);
    inside.lock()?[0] -= 1;
    slots.release()
}
// ANCHOR_END: worker

fn main() -> std::process::ExitCode {
    common::run(run)
}

fn run(args: Args) -> common::Result<()> {
    let slots = Semaphore::bounded(args.slots)?;
    let inside = Array::new(&[0_u32, 0])?;
    let mut workers: Vec<Process> = (0..args.workers)
        .map(|_| Process::with_args(worker, (slots.clone(), inside.clone())))
        .collect();
    for w in &mut workers {
        w.start()?;
    }
    for w in &mut workers {
        w.join()?;
    }
    println!(
        "at most {} inside at once (the semaphore allows {})",
        inside.get(1)?,
        args.slots
    );
    match slots.release() {
        Ok(()) => println!("an extra release was allowed"),
        Err(e) => println!("an extra release is refused: {e}"),
    }
    Ok(())
}
