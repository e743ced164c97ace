//! A solution: the list lives in the manager's process; each worker's
//! proxy sends its `push` there.

use common::{ListProxy, Manager, Process};

fn worker((results, i): (ListProxy<u64>, u64)) -> common::Result<()> {
    results.push(&(i * i))
}

fn main() -> std::process::ExitCode {
    common::main(|| {
        let manager = Manager::start()?;
        let results = manager.list::<u64>()?;
        let mut workers: Vec<Process> = (0..5)
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
