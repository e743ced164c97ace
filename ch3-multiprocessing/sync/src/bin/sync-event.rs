//! An event: processes wait until another one sets a flag. One waiter
//! waits without a limit, one with a timeout that runs out first; the main
//! program sets the event after a second.
//!
//! Run it: `cargo run --bin sync-event`.

use clap::Parser;
use common::{Event, Process, current_process};
use std::time::Duration;

#[derive(Parser)]
#[command(about = "Processes wait for an event that the main program sets")]
struct Args {}

// ANCHOR: waiters
fn wait_for_ever(event: Event) -> common::Result<()> {
    let set = event.wait(None)?;
    println!("{}: the event is set: {set}", current_process().name);
    Ok(())
}

fn wait_briefly(event: Event) -> common::Result<()> {
    let timeout = Duration::from_secs_f64(0.3 * common::time_scale());
    let set = event.wait(Some(timeout))?;
    println!(
        "{}: gave up waiting, the event is set: {set}",
        current_process().name
    );
    Ok(())
}
// ANCHOR_END: waiters

fn main() -> std::process::ExitCode {
    common::run(run)
}

fn run(_: Args) -> common::Result<()> {
    let event = Event::new()?;
    let mut patient = Process::with_args(wait_for_ever, event.clone()).name("patient");
    let mut hasty = Process::with_args(wait_briefly, event.clone()).name("hasty");
    patient.start()?;
    hasty.start()?;
    hasty.join()?;
    common::sleep(1.0);
    println!("main: setting the event");
    event.set()?;
    patient.join()?;
    Ok(())
}
