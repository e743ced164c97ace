// Instead of a barrier, each worker sleeps long enough for the slowest to
// be ready: the order is right, but only by guessing, and everyone waits
// longer than needed.

use common::{Process, current_process};

fn worker(i: u32) -> common::Result<()> {
    common::sleep(0.1 * f64::from(i));
    println!("{} ready", current_process().name);
    common::sleep(1.0 - 0.1 * f64::from(i));
    println!("{} go", current_process().name);
    Ok(())
}

fn main() -> std::process::ExitCode {
    common::main(|| {
        let mut workers: Vec<Process> = (0..4).map(|i| Process::with_args(worker, i)).collect();
        for w in &mut workers {
            w.start()?;
        }
        for w in &mut workers {
            w.join()?;
        }
        Ok(())
    })
}
