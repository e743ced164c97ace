// Each worker pushes onto `items()`, a copy of the list taken from the
// manager: the copy gets the square, the shared list stays empty.

use common::{ListProxy, Manager, Process};

fn worker((results, i): (ListProxy<u64>, u64)) -> common::Result<()> {
    let mut copy = results.items()?;
    copy.push(i * i);
    Ok(())
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
