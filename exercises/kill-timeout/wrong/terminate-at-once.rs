// Terminates the worker at once, without giving it the half second
// (`join_timeout`) to finish: the right line, too soon.

use common::Process;
use std::time::Duration;

fn worker() {
    common::sleep(3600.0); // stuck
}

fn main() -> std::process::ExitCode {
    common::main(|| {
        let mut p = Process::new(worker);
        p.start()?;
        let _ = Duration::from_millis(500);
        if p.is_alive() {
            p.terminate()?;
            p.join()?;
        }
        println!("worker stopped: exit code {}", p.exitcode().unwrap_or(0));
        Ok(())
    })
}
