//! How to name a process.
//!
//! The Python recipe starts two processes on the same target: one created
//! with `name='foo_process'`, one left to its default name. The target asks
//! `multiprocessing.current_process()` who it is, prints that name, sleeps
//! three seconds and prints it again. Both are joined (second edition).
//!
//! Run it: `cargo run --bin name` (`-- --help` lists the flags).

use clap::Parser;
use common::{Process, current_process};

#[derive(Parser)]
#[command(about = "Start a named process and one with a default name; each prints its own name")]
struct Args {
    /// The name given to the first process
    #[arg(long, default_value = "foo_process")]
    name: String,
}

// ANCHOR: foo
fn foo() {
    // The child sees its own name, given by the parent before the start.
    let name = current_process().name;
    println!("Starting {name}");
    common::sleep(3.0);
    println!("Exiting {name}");
}
// ANCHOR_END: foo

fn main() -> std::process::ExitCode {
    common::run(run)
}

fn run(args: Args) -> common::Result<()> {
    let name = args.name; // "foo_process" unless --name says otherwise
    // ANCHOR: main
    let mut process_with_name = Process::new(foo).name(name);
    let mut process_with_default_name = Process::new(foo);
    process_with_name.start()?;
    process_with_default_name.start()?;
    process_with_name.join()?;
    process_with_default_name.join()?;
    // ANCHOR_END: main
    Ok(())
}
