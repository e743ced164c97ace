//! How to manage a state between processes.
//!
//! In the Python recipe a `multiprocessing.Manager` holds a dictionary; ten
//! processes each run `worker(dictionary, i, i*2)`, which stores the pair
//! through its proxy and prints it; after joining them, the main program
//! prints the whole dictionary. `--shared-array` does the same with an
//! `Array` in shared memory instead of a manager (the page compares them).
//!
//! Run it: `cargo run --bin state` (`-- --help` lists the flags).

use clap::Parser;
use common::{Array, DictProxy, Manager, Process};

#[derive(Parser)]
#[command(about = "Processes store key-value pairs in a dictionary held by a manager process")]
struct Args {
    /// How many worker processes (keys 0 to N-1)
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=200))]
    processes: u32,
    /// Keep the results in an Array in shared memory instead of a manager's dictionary
    #[arg(long)]
    shared_array: bool,
}

// ANCHOR: worker
fn worker((dictionary, key, item): (DictProxy<i64, i64>, i64, i64)) -> common::Result<()> {
    dictionary.set(&key, &item)?;
    println!("key = {key} value = {item}");
    Ok(())
}
// ANCHOR_END: worker

// ANCHOR: array_worker
fn array_worker((array, key, item): (Array<i64>, i64, i64)) -> common::Result<()> {
    array.set(key as usize, item)?;
    println!("key = {key} value = {item}");
    Ok(())
}
// ANCHOR_END: array_worker

/// Pairs as Python prints a dictionary: `{0: 0, 1: 2}`.
fn python_dict(pairs: &[(i64, i64)]) -> String {
    let items: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    format!("{{{}}}", items.join(", "))
}

fn start_and_join(mut jobs: Vec<Process>) -> common::Result<()> {
    for job in &mut jobs {
        job.start()?;
    }
    for job in &mut jobs {
        job.join()?;
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    common::run(run)
}

fn run(args: Args) -> common::Result<()> {
    let keys = 0..i64::from(args.processes);
    let pairs = if args.shared_array {
        // ANCHOR: array_main
        let array = Array::new(&vec![0_i64; keys.clone().count()])?;
        let jobs = keys
            .map(|i| Process::with_args(array_worker, (array.clone(), i, i * 2)))
            .collect();
        start_and_join(jobs)?;
        array
            .to_vec()?
            .into_iter()
            .enumerate()
            .map(|(k, v)| (k as i64, v))
            .collect()
        // ANCHOR_END: array_main
    } else {
        // ANCHOR: main
        let manager = Manager::start()?;
        let dictionary = manager.dict::<i64, i64>()?;
        let jobs = keys
            .map(|i| Process::with_args(worker, (dictionary.clone(), i, i * 2)))
            .collect();
        start_and_join(jobs)?;
        // Python's order is insertion order, here the order the workers
        // ran in; the book's output is sorted.
        let mut pairs = dictionary.items()?;
        pairs.sort();
        pairs
        // ANCHOR_END: main
    };
    println!("Results: {}", python_dict(&pairs));
    Ok(())
}
