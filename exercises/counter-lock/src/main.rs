//! Exercise: a process-safe counter.
//!
//! Four processes each add 1 to a shared counter 2,000 times (or as many
//! times as the first argument says: `cargo run -- 500`). Each addition
//! reads the counter, takes a moment (`pause`: think of a slow
//! computation), and then writes it back: two steps, and another process
//! can come between them.
//!
// TODO: make the total exact (4 x 2,000 = 8000; the check gives other
// counts too) by holding the counter's lock across
// the read, the pause and the write (see `Value::lock` in the sync recipe).
// Then say why the total was lower without it: put the letter in
// answer.txt beside this folder, as `answer: x`:
//   a) the processes start at different times, so some miss the barrier
//   b) two processes read the same value, both add 1 and both write it,
//      so one of the two additions is lost
//   c) `set` is slow, and some writes are dropped when it is busy
//   d) the counter overflows

use common::{Barrier, Process, Value};

/// A moment's work between the read and the write (leave it in).
fn pause() {
    std::thread::sleep(std::time::Duration::from_micros(20));
}

fn add((counter, start, times): (Value<u64>, Barrier, u64)) -> common::Result<()> {
    start.wait(None)?;
    for _ in 0..times {
        let n = counter.get()?;
        pause();
        counter.set(n + 1)?;
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
