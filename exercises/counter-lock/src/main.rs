//! Exercise: a process-safe counter.
//!
//! Four processes each add 1 to a shared counter 2,000 times. Each addition
//! reads the counter, takes a moment (`pause`: think of a slow
//! computation), and then writes it back: two steps, and another process
//! can come between them.
//!
// TODO: make the total exact (8000) by holding the counter's lock across
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

fn add((counter, start): (Value<u64>, Barrier)) -> common::Result<()> {
    start.wait(None)?;
    for _ in 0..2_000 {
        let n = counter.get()?;
        pause();
        counter.set(n + 1)?;
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    common::main(|| {
        let counter = Value::new(0u64)?;
        let start = Barrier::new(4)?;
        let mut processes: Vec<Process> = (0..4)
            .map(|_| Process::with_args(add, (counter.clone(), start.clone())))
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
