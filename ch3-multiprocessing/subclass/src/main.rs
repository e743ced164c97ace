//! How to use a process in a subclass.
//!
//! The Python recipe subclasses `multiprocessing.Process` and overrides
//! `run()` to print the process's own name; it then creates, starts and
//! joins five instances in a loop (ten in the second edition). Rust has no
//! subclassing: a type implements the `Run` trait instead, and
//! `Process::from_run` makes a process of it, named after the type
//! (`MyProcess-1`, ...) as Python names it after the class.
//!
//! Run it: `cargo run --bin subclass` (`-- --help` lists the flags).

use clap::Parser;
use common::{Process, Run, current_process};
use serde::{Deserialize, Serialize};

#[derive(Parser)]
#[command(about = "Define a process by a type with a run method, and start several")]
struct Args {
    /// How many processes to create, start and join, one after another
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1000))]
    processes: u32,
}

// ANCHOR: my_process
/// The value crosses to the child, so it must be serializable (Python
/// pickles a `Process` subclass under `spawn` in the same way).
#[derive(Serialize, Deserialize)]
struct MyProcess;

impl Run for MyProcess {
    fn run(&self) -> common::Result<()> {
        println!("called run method in process: {}", current_process().name);
        Ok(())
    }
}
// ANCHOR_END: my_process

fn main() -> std::process::ExitCode {
    common::run(run)
}

fn run(args: Args) -> common::Result<()> {
    let processes = args.processes;
    // ANCHOR: main
    for _ in 0..processes {
        let mut p = Process::from_run(MyProcess);
        p.start()?;
        p.join()?;
    }
    // ANCHOR_END: main
    Ok(())
}
