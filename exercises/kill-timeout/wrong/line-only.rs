// Waits the half second, then prints the line the check wants without
// terminating the worker: the stuck worker keeps the program from ending.

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
        println!("worker stopped: exit code -15");
        Ok(())
    })
}
