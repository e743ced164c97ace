// Names from worker-P-0 to worker-P-2: the loop counts from 0.

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
        let mut processes: Vec<Process> = (1..=3)
            .map(|i| Process::new(who_am_i).name(format!("worker-{me}-{}", i - 1)))
            .collect();
        for p in &mut processes {
            p.start()?;
        }
        for p in &mut processes {
            p.join()?;
        }
        Ok(())
    })
}
