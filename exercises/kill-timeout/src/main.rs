//! Exercise: give up on a process that takes too long.
//!
//! `worker` sometimes hangs (here: always). `main` joins it, and so waits
//! for ever.
//!
// TODO: wait at most half a second (`join_timeout`), then, if the worker is
// still alive, terminate it and join it. Print "worker stopped: exit code
// -15". The check wants that line within a few seconds.

use common::Process;

fn worker() {
    common::sleep(3600.0); // stuck
}

fn main() -> std::process::ExitCode {
    common::main(|| {
        let mut p = Process::new(worker);
        p.start()?;
        p.join()?;
        println!("worker stopped: exit code {}", p.exitcode().unwrap_or(0));
        Ok(())
    })
}
