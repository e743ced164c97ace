//! Exercise: share a list between processes.
//!
//! Five workers each add the square of their number to `results`. But each
//! child gets its own copy of the vector, so the main program's stays empty.
//!
// TODO: keep the list in a `Manager` (`manager.list()`), so that every
// worker adds to the same one; print it sorted. The check wants
// "Results: [0, 1, 4, 9, 16]".

use common::Process;

fn worker((mut results, i): (Vec<u64>, u64)) {
    results.push(i * i);
}

fn main() -> std::process::ExitCode {
    common::main(|| {
        let results: Vec<u64> = Vec::new();
        let mut workers: Vec<Process> = (0..5)
            .map(|i| Process::with_args(worker, (results.clone(), i)))
            .collect();
        for w in &mut workers {
            w.start()?;
        }
        for w in &mut workers {
            w.join()?;
        }
        let mut all = results;
        all.sort();
        println!("Results: {all:?}");
        Ok(())
    })
}
