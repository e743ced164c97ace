//! How to kill a process.
//!
//! The Python recipe starts a process whose target prints, sleeps a tenth of
//! a second and prints again, and at once calls `terminate()` on it. It
//! prints the process object and `is_alive()` before the start, while it
//! runs, just after `terminate()` and after `join()`, then the exit code:
//! -15, minus the number of SIGTERM, the signal `terminate()` sends.
//!
//! Run it: `cargo run --bin kill` (`-- --help` lists the flags).

use clap::Parser;
use common::Process;

#[derive(Parser)]
#[command(about = "Start a process, terminate it, and watch its state and exit code")]
struct Args {
    /// Stop the process with `kill()` (SIGKILL) instead of `terminate()` (SIGTERM)
    #[arg(long)]
    sigkill: bool,
}

// ANCHOR: foo
fn foo() {
    println!("Starting function");
    common::sleep(0.1);
    println!("Finished function");
}
// ANCHOR_END: foo

/// Booleans as Python prints them, so the two runs can be put side by side.
fn py(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}

fn main() -> std::process::ExitCode {
    common::run(run)
}

fn run(args: Args) -> common::Result<()> {
    // `p.terminate()` sends SIGTERM; with --sigkill, `p.kill()` sends SIGKILL.
    let terminate = if args.sigkill {
        Process::kill
    } else {
        Process::terminate
    };
    // ANCHOR: main
    let mut p = Process::new(foo);
    println!("Process before execution: {p} {}", py(p.is_alive()));
    p.start()?;
    println!("Process running: {p} {}", py(p.is_alive()));
    terminate(&p)?;
    println!("Process terminated: {p} {}", py(p.is_alive()));
    p.join()?;
    println!("Process joined: {p} {}", py(p.is_alive()));
    println!("Process exit code: {}", p.exitcode().unwrap_or_default());
    // ANCHOR_END: main
    Ok(())
}
