// Locks the write only: the value written was read before the lock was
// taken, so two processes can still write the same value.

use common::{Barrier, Process, Value};

/// A moment's work between the read and the write (leave it in).
fn pause() {
    std::thread::sleep(std::time::Duration::from_micros(20));
}

fn add((counter, start): (Value<u64>, Barrier)) -> common::Result<()> {
    start.wait(None)?;
    for _ in 0..2_000 {
        let read = counter.get()?;
        pause();
        *counter.lock()? = read + 1;
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
