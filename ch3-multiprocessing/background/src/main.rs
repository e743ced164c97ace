//! How to run a process in the background.
//!
//! The Python recipe starts two processes on the same target: one marked
//! `daemon = True` (`background_process`), one not (`NO_background_process`).
//! The target prints the process's name, five numbered lines (0-4 for the
//! daemon, 5-9 for the other), sleeps a second and prints `Exiting`. The
//! main program then ends without joining either. At that point Python
//! terminates the daemon and waits for the other, so the daemon's `Exiting`
//! line never appears.
//!
//! Run it: `cargo run --bin background` (`-- --help` lists the flags).

use clap::Parser;
use common::{Process, current_process};

#[derive(Parser)]
#[command(about = "Start a daemon and a non-daemon process, and end without joining them")]
struct Args {
    /// Have the daemon try to start a child of its own, to see the error
    #[arg(long)]
    daemon_child: bool,
    /// Join both processes before main ends, so the daemon finishes too
    #[arg(long)]
    join: bool,
}

// ANCHOR: foo
fn foo(daemon_child: bool) {
    let me = current_process();
    println!("Starting {}", me.name);
    if me.daemon && daemon_child {
        // A daemon is terminated, not waited for: its children would be orphaned.
        if let Err(e) = Process::new(|| ()).start() {
            println!("{} cannot start a child: {e}", me.name);
        }
    }
    let numbers = if me.name == "background_process" {
        0..5
    } else {
        5..10
    };
    for i in numbers {
        println!("---> {i}");
    }
    common::sleep(1.0);
    println!("Exiting {}", me.name);
}
// ANCHOR_END: foo

fn main() -> std::process::ExitCode {
    common::run(run)
}

fn run(args: Args) -> common::Result<()> {
    let daemon_child = args.daemon_child;
    // ANCHOR: main
    let mut background_process = Process::with_args(foo, daemon_child)
        .name("background_process")
        .daemon(true);
    let mut no_background_process = Process::with_args(foo, daemon_child)
        .name("NO_background_process")
        .daemon(false);
    background_process.start()?;
    no_background_process.start()?;
    // No join: `common::main` terminates the daemon and waits for the other.
    // ANCHOR_END: main
    if args.join {
        background_process.join()?;
        no_background_process.join()?;
    }
    Ok(())
}
