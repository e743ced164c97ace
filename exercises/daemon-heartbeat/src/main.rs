//! Exercise: a background process that should not keep the program alive.
//!
//! `heartbeat` prints "beat" forever. The main program does its work (half a
//! second) and ends, but the program does not end: at the end, every
//! non-daemon child is waited for, and this one never finishes.
//!
// TODO: make the program end when the main work is done, without touching
// `heartbeat`: the check wants "work done" and an exit within seconds.

use common::Process;

fn heartbeat() {
    loop {
        println!("beat (pid {})", std::process::id());
        common::sleep(0.1);
    }
}

fn main() -> std::process::ExitCode {
    common::main(|| {
        Process::new(heartbeat).start()?;
        common::sleep(0.5);
        println!("work done");
        Ok(())
    })
}
