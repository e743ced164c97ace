//! A solution: a `Barrier` for the four workers; each waits at it between
//! "ready" and "go", and none passes until the fourth has arrived.

use common::{Barrier, Process, current_process};

fn worker((i, barrier): (u32, Barrier)) -> common::Result<()> {
    common::sleep(0.1 * f64::from(i));
    println!("{} ready", current_process().name);
    barrier.wait(None)?;
    println!("{} go", current_process().name);
    Ok(())
}

fn main() -> std::process::ExitCode {
    common::main(|| {
        let barrier = Barrier::new(4)?;
        let mut workers: Vec<Process> = (0..4)
            .map(|i| Process::with_args(worker, (i, barrier.clone())))
            .collect();
        for w in &mut workers {
            w.start()?;
        }
        for w in &mut workers {
            w.join()?;
        }
        Ok(())
    })
}
