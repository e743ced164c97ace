//! Exercise: give a process type some data of its own.
//!
//! `Greeter` is a process type (see the subclass recipe). Every greeter
//! says "hello"; we want each to say the greeting it was made with.
//!
// TODO: give `Greeter` a `greeting: String` field, make three greeters with
// "bonjour", "hola" and "hallo", and have `run` print "<greeting> from
// <process name> (pid <its pid>)". The check wants "bonjour from
// Greeter-1", "hola from Greeter-2" and "hallo from Greeter-3", each from
// a process of its own.

use common::{Process, Run, current_process};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct Greeter;

impl Run for Greeter {
    fn run(&self) -> common::Result<()> {
        println!(
            "hello from {} (pid {})",
            current_process().name,
            std::process::id()
        );
        Ok(())
    }
}

fn main() -> std::process::ExitCode {
    common::main(|| {
        for _ in 0..3 {
            let mut p = Process::from_run(Greeter);
            p.start()?;
            p.join()?;
        }
        Ok(())
    })
}
