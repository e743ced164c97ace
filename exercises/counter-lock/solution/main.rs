//! A solution: `*counter.lock()? += 1` reads and writes under one lock.
//! Without it, two processes could read the same value, both add 1 and
//! both write it: one of the two increments was lost.

use common::{Barrier, Process, Value};

fn add((counter, start): (Value<u64>, Barrier)) -> common::Result<()> {
    start.wait(None)?;
    for _ in 0..20_000 {
        *counter.lock()? += 1;
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
