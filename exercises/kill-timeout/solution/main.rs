//! A solution: `join_timeout`, then `is_alive`, `terminate` and `join`.
//! The exit code is minus the signal that ended it: -15, SIGTERM.

use common::Process;
use std::time::Duration;

fn worker() {
    common::sleep(3600.0); // stuck
}

fn main() -> std::process::ExitCode {
    common::main(|| {
        let mut p = Process::new(worker);
        p.start()?;
        p.join_timeout(Duration::from_millis(500))?;
        if p.is_alive() {
            p.terminate()?;
            p.join()?;
        }
        println!("worker stopped: exit code {}", p.exitcode().unwrap_or(0));
        Ok(())
    })
}
