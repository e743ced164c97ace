// The main program prints the three names itself: the lines are there,
// but no child said them (each line carries the pid of who printed it).

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
        let me = std::process::id();
        let processes: Vec<Process> = (1..=3)
            .map(|i| Process::new(who_am_i).name(format!("worker-{me}-{i}")))
            .collect();
        for i in 1..=processes.len() {
            println!("I am worker-{me}-{i} (pid {me})");
        }
        Ok(())
    })
}
