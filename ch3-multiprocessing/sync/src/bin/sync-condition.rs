//! A condition: consumers wait, holding a lock, until a producer says that
//! what they wait for (an item in a shared slot) has changed. Each waits in
//! a loop, re-checking after every wake-up, as condition variables require.
//!
//! Run it: `cargo run --bin sync-condition` (`-- --help` lists the flags).

use clap::Parser;
use common::{Array, Condition, Process, current_process};

#[derive(Parser)]
#[command(about = "A producer hands items to consumers through a condition")]
struct Args {
    /// How many consumers
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=32))]
    consumers: u32,
}

/// `slot[0]`: items made and not yet taken; `slot[1]`: items taken so far.
// ANCHOR: consumer
fn consumer((condition, slot): (Condition, Array<u32>)) -> common::Result<()> {
    let mut guard = condition.acquire()?;
    while slot.get(0)? == 0 {
        guard.wait(None)?; // releases the lock while waiting
    }
    let mut counts = slot.lock()?;
    counts[0] -= 1;
    counts[1] += 1;
    println!("{} took an item", current_process().name);
    Ok(())
}
// ANCHOR_END: consumer

fn main() -> std::process::ExitCode {
    common::run(run)
}

fn run(args: Args) -> common::Result<()> {
    let condition = Condition::new()?;
    let slot = Array::new(&[0_u32, 0])?;
    let mut consumers: Vec<Process> = (0..args.consumers)
        .map(|_| Process::with_args(consumer, (condition.clone(), slot.clone())))
        .collect();
    for c in &mut consumers {
        c.start()?;
    }
    // ANCHOR: producer
    for _ in 0..consumers.len() {
        common::sleep(0.2);
        let guard = condition.acquire()?;
        slot.lock()?[0] += 1;
        println!("main: made an item");
        guard.notify();
    }
    // ANCHOR_END: producer
    for c in &mut consumers {
        c.join()?;
    }
    println!("main: {} items taken", slot.get(1)?);
    Ok(())
}
