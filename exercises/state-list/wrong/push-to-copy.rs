// Each worker pushes onto `items()`, a copy of the list taken from the
// manager: the copy gets the square, the shared list stays empty.

use common::{ListProxy, Manager, Process};

fn worker((results, i): (ListProxy<u64>, u64)) -> common::Result<()> {
    let mut copy = results.items()?;
    copy.push(i * i);
    Ok(())
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
