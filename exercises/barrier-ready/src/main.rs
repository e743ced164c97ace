//! Exercise: nobody goes before everybody is ready.
//!
//! Four workers get ready (worker i takes i tenths of a second), say so,
//! then say "go". Without coordination, the quick ones go while the slow
//! ones are still getting ready.
//!
// TODO: use a `Barrier` so that every "ready" line comes before any "go"
// line. (Make it in `main`, give each worker a clone.)

use common::{Process, current_process};

fn worker(i: u32) -> common::Result<()> {
    common::sleep(0.1 * f64::from(i));
    println!("{} ready", current_process().name);
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
