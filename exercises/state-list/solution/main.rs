//! A solution: the list lives in the manager's process; each worker's
//! proxy sends its `push` there.

use common::{ListProxy, Manager, Process};

fn worker((results, i): (ListProxy<u64>, u64)) -> common::Result<()> {
    results.push(&(i * i))
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
        let manager = Manager::start()?;
        let results = manager.list::<u64>()?;
        let mut workers: Vec<Process> = (0..workers)
            .map(|i| Process::with_args(worker, (results.clone(), i)))
            .collect();
        for w in &mut workers {
            w.start()?;
        }
        for w in &mut workers {
            w.join()?;
        }
        let mut all = results.items()?;
        all.sort();
        println!("Results: {all:?}");
        Ok(())
    })
}
