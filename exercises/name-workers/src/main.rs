//! Exercise: name your processes.
//!
// TODO: give the three processes the names worker-1, worker-2 and worker-3
// (see the name recipe), so that each child, asking who it is, says so. The
// check wants "I am worker-1" to "I am worker-3", in any order, each from a
// process of its own (the line carries its pid).

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
