// A barrier for 3 instead of the 4 workers: the three quick ones go
// before the slowest is ready, and the slowest then waits for ever for two
// more (the check's timeout stops it).

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
        let barrier = Barrier::new(3)?;
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
