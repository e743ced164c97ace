//! Exercise: name your processes.
//!
// TODO: give the three processes the names worker-P-1, worker-P-2 and
// worker-P-3, where P is the main process's pid (`me` below; see the name
// recipe), so that each child, asking who it is, says so. The check wants
// "I am worker-P-1" to "I am worker-P-3", in any order, each from a process
// of its own (the line carries its pid).

use common::{Process, current_process};

fn who_am_i() {
    println!(
        "I am {} (pid {})",
        current_process().name,
        std::process::id()
    );
}

fn main() -> std::process::ExitCode {
    common::main(|| {
        let me = std::process::id(); // the main process's pid, for the names
        let _ = me;
        let mut processes: Vec<Process> = (1..=3).map(|_| Process::new(who_am_i)).collect();
        for p in &mut processes {
            p.start()?;
        }
        for p in &mut processes {
            p.join()?;
        }
        Ok(())
    })
}
