//! A re-entrant lock: the process that holds an `RLock` may take it again,
//! as a function that takes the lock calls another that takes it too. A
//! plain `Lock` would wait for itself for ever. Other processes still wait
//! until it has been released as many times as it was taken. The waiter
//! tries only once the updater holds the lock (an `Event` says so), so the
//! order of the lines does not depend on which process starts faster.
//!
//! Run it: `cargo run --bin sync-rlock`.

use clap::Parser;
use common::{Event, Process, RLock, current_process};

#[derive(Parser)]
#[command(about = "Take a re-entrant lock twice in one process while another waits")]
struct Args {}

// ANCHOR: nested
fn log(lock: &RLock, message: &str) -> common::Result<()> {
    let _held = lock.acquire()?; // taken a second time by `update`'s process
    println!("{}: {message}", current_process().name);
    Ok(())
}

fn update((lock, holding): (RLock, Event)) -> common::Result<()> {
    let _held = lock.acquire()?;
    holding.set()?; // the waiter may try now: it will wait
    log(&lock, "holds the lock, and takes it again to log")?;
    common::sleep(0.5);
    log(&lock, "releases it")
}

fn wait_for((lock, holding): (RLock, Event)) -> common::Result<()> {
    holding.wait(None)?;
    let _held = lock.acquire()?;
    println!(
        "{}: got the lock once the other let go",
        current_process().name
    );
    Ok(())
}
// ANCHOR_END: nested

fn main() -> std::process::ExitCode {
    common::run(run)
}

fn run(_: Args) -> common::Result<()> {
    let lock = RLock::new()?;
    let holding = Event::new()?;
    let mut first = Process::with_args(update, (lock.clone(), holding.clone())).name("updater");
    let mut second = Process::with_args(wait_for, (lock, holding.clone())).name("waiter");
    first.start()?;
    second.start()?;
    first.join()?;
    // An updater that ended before saying it held the lock (a panic, say)
    // must not leave the waiter waiting for that word for ever.
    holding.set()?;
    second.join()?;
    Ok(())
}
