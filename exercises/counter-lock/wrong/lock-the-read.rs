// Locks the read only: the guard is dropped at the end of the first
// statement, so another process can still read the same value before
// this one writes.

use common::{Barrier, Process, Value};

/// A moment's work between the read and the write (leave it in).
fn pause() {
    std::thread::sleep(std::time::Duration::from_micros(20));
}

fn add((counter, start, times): (Value<u64>, Barrier, u64)) -> common::Result<()> {
    start.wait(None)?;
    for _ in 0..times {
        let read = *counter.lock()?;
        pause();
        counter.set(read + 1)?;
    }
    Ok(())
}

/// How many times each process adds 1: the first argument, 2_000 if none (the check gives other
/// numbers too).
fn times() -> common::Result<u64> {
    match std::env::args().nth(1) {
        None => Ok(2_000),
        Some(a) => a
            .parse()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| common::Error::usage(format!("not a count: {a:?}"))),
    }
}

fn main() -> std::process::ExitCode {
    common::main(|| {
        let times = times()?;
        let counter = Value::new(0u64)?;
        let start = Barrier::new(4)?;
        let mut processes: Vec<Process> = (0..4)
            .map(|_| Process::with_args(add, (counter.clone(), start.clone(), times)))
            .collect();
        for p in &mut processes {
            p.start()?;
        }
        for p in &mut processes {
            p.join()?;
        }
        println!("total: {}", counter.get()?);
        Ok(())
    })
}
