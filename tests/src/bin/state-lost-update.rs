//! A test helper the state page includes: a get-then-set through a manager
//! dictionary's proxy, from several processes at once, first as two
//! separate requests, then under a lock served by the same manager.
//!
//! Each request is one whole operation in the manager, but "read the
//! value, then write it plus one" is two requests, and another process's
//! requests can come between them. A real (unscaled) sleep between the two
//! makes that gap wide, so updates are lost on every run, not now and then.
//!
//! `state-lost-update [--start-method spawn|fork|forkserver] [--processes N] [--rounds N]`;
//! `tests/tests/state_lost_update.rs` runs it.

use common::{Barrier, DictProxy, LockProxy, Manager, Process, Result, StartMethod};
use std::time::Duration;

/// The gap between the read and the write: long beside a round trip to
/// the manager (tens of microseconds), so the other processes' reads land
/// in it.
const GAP: Duration = Duration::from_millis(2);

type Job = (DictProxy<String, i64>, u32, Barrier);
type LockedJob = (DictProxy<String, i64>, u32, Barrier, LockProxy);

// ANCHOR: racy
fn add_racy((counts, rounds, start): Job) -> Result<()> {
    start.wait(None)?;
    for _ in 0..rounds {
        let seen = counts.get_item(&"hits".to_string())?; // one request
        std::thread::sleep(GAP);
        counts.set(&"hits".to_string(), &(seen + 1))?; // another request
    }
    Ok(())
}
// ANCHOR_END: racy

// ANCHOR: locked
fn add_locked((counts, rounds, start, lock): LockedJob) -> Result<()> {
    start.wait(None)?;
    for _ in 0..rounds {
        let _held = lock.acquire()?; // Python: `with lock:`
        let seen = counts.get_item(&"hits".to_string())?;
        std::thread::sleep(GAP);
        counts.set(&"hits".to_string(), &(seen + 1))?;
    } // `_held` is dropped at the end of each round: the lock is released
    Ok(())
}
// ANCHOR_END: locked

fn main() -> std::process::ExitCode {
    common::main(run)
}

/// The value after `label`'s flag, if any.
fn flag<T: std::str::FromStr>(args: &[String], label: &str) -> Option<T> {
    let at = args.iter().position(|a| a == label)?;
    args.get(at + 1)?.parse().ok()
}

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let method: StartMethod = flag(&args, "--start-method").unwrap_or_default();
    let processes: u32 = flag(&args, "--processes").unwrap_or(4);
    let rounds: u32 = flag(&args, "--rounds").unwrap_or(10);
    common::set_start_method(method);
    let expected = i64::from(processes) * i64::from(rounds);

    let manager = Manager::start()?;
    let key = "hits".to_string();

    let counts = manager.dict::<String, i64>()?;
    counts.set(&key, &0)?;
    let start = Barrier::new(processes)?;
    let mut jobs: Vec<Process> = (0..processes)
        .map(|_| Process::with_args(add_racy, (counts.clone(), rounds, start.clone())))
        .collect();
    start_and_join(&mut jobs)?;
    let got = counts.get_item(&key)?;
    println!(
        "get, then set: {got} of {expected} ({} lost)",
        expected - got
    );

    counts.set(&key, &0)?;
    let lock = manager.lock()?;
    let start = Barrier::new(processes)?;
    let mut jobs: Vec<Process> = (0..processes)
        .map(|_| {
            Process::with_args(
                add_locked,
                (counts.clone(), rounds, start.clone(), lock.clone()),
            )
        })
        .collect();
    start_and_join(&mut jobs)?;
    let got = counts.get_item(&key)?;
    println!(
        "under the manager's lock: {got} of {expected} ({} lost)",
        expected - got
    );
    Ok(())
}

fn start_and_join(jobs: &mut [Process]) -> Result<()> {
    for job in jobs.iter_mut() {
        job.start()?;
    }
    for job in jobs.iter_mut() {
        job.join()?;
    }
    Ok(())
}
