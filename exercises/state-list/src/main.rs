//! Exercise: share a list between processes.
//!
//! Five workers (or as many as the first argument says) each add the
//! square of their number to `results`. But each
//! child gets its own copy of the vector, so the main program's stays empty.
//!
// TODO: keep the list in a `Manager` (`manager.list()`), so that every
// worker adds to the same one; print it sorted. The check wants
// "Results: [0, 1, 4, 9, 16]" for five workers, and runs other counts too.

use common::Process;

fn worker((mut results, i): (Vec<u64>, u64)) {
    results.push(i * i);
}

/// How many workers: the first argument, 5 if none (the check gives other
/// numbers too).
fn workers() -> common::Result<u64> {
    match std::env::args().nth(1) {
        None => Ok(5),
        Some(a) => a
            .parse()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| common::Error::usage(format!("not a count: {a:?}"))),
    }
}

fn main() -> std::process::ExitCode {
    common::main(|| {
        let workers = workers()?;
        let results: Vec<u64> = Vec::new();
        let mut workers: Vec<Process> = (0..workers)
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
