//! Exercise: a process-safe counter.
//!
//! Four processes each add 1 to a shared counter 20,000 times. Each addition
//! reads the counter and then writes it back: two steps, and another
//! process can come between them.
//!
// TODO: make the total exact (80000) by holding the counter's lock across
// the read and the write (see `Value::lock` in the sync recipe). Then write,
// in a comment, why the total was lower without it.

use common::{Barrier, Process, Value};

fn add((counter, start): (Value<u64>, Barrier)) -> common::Result<()> {
    start.wait(None)?;
    for _ in 0..20_000 {
        counter.set(counter.get()? + 1)?;
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
