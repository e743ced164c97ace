// Reads the list before joining the workers: they have been started, but
// most have not pushed yet.

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
        let mut all = results.items()?;
        for w in &mut workers {
            w.join()?;
        }
        all.sort();
        println!("Results: {all:?}");
        Ok(())
    })
}
