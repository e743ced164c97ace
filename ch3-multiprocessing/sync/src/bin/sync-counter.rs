//! The lost update: processes increment one shared counter, first without
//! its lock, then with it.
//!
//! `counter.set(counter.get()? + 1)` is a read, then a write. Between the
//! two, another process can read the same old value; both write old + 1,
//! and one increment is lost. Holding the lock across both makes the
//! update whole.
//!
//! Run it: `cargo run --bin sync-counter` (`-- --help` lists the flags).

use clap::Parser;
use common::{Barrier, Process, Value};

#[derive(Parser)]
#[command(about = "Increment a shared counter from several processes, without and with its lock")]
struct Args {
    /// How many processes increment the counter
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    processes: u32,
    /// How many times each process increments it
    #[arg(long, value_name = "N", default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    increments: u32,
}

/// What each worker gets: the counter, how many times to add 1, and a
/// barrier so that all of them start adding at the same moment.
type Job = (Value<i64>, u32, Barrier);

// ANCHOR: workers
fn add_without_lock((counter, times, start): Job) -> common::Result<()> {
    start.wait(None)?;
    for _ in 0..times {
        counter.set(counter.get()? + 1)?; // read, then write: not one step
    }
    Ok(())
}

fn add_with_lock((counter, times, start): Job) -> common::Result<()> {
    start.wait(None)?;
    for _ in 0..times {
        *counter.lock()? += 1; // read and write under one lock
    }
    Ok(())
}
// ANCHOR_END: workers

fn count_with(worker: fn(Job) -> common::Result<()>, args: &Args) -> common::Result<i64> {
    let counter = Value::new(0_i64)?;
    let start = Barrier::new(args.processes)?;
    let mut processes: Vec<Process> = (0..args.processes)
        .map(|_| Process::with_args(worker, (counter.clone(), args.increments, start.clone())))
        .collect();
    for p in &mut processes {
        p.start()?;
    }
    for p in &mut processes {
        p.join()?;
    }
    counter.get()
}

fn main() -> std::process::ExitCode {
    common::run(run)
}

fn run(args: Args) -> common::Result<()> {
    let expected = i64::from(args.processes) * i64::from(args.increments);
    let without = count_with(add_without_lock, &args)?;
    println!("without the lock: {without} (expected {expected})");
    let with = count_with(add_with_lock, &args)?;
    println!("with the lock: {with} (expected {expected})");
    Ok(())
}
