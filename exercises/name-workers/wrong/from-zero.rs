// Names from worker-P-0 to worker-P-2: the loop counts from 0.

use common::{Process, current_process};

fn who_am_i() {
    println!(
        "I am {} (pid {})",
        current_process().name,
        std::process::id()
    );
}

/// A number this run picks at random, for the names: a child cannot work
/// it out for itself (from its parent's pid, say), only be given it.
fn run_tag() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
        % 100_000
}

fn main() -> std::process::ExitCode {
    common::main(|| {
        let tag = run_tag();
        println!("tag {tag} (pid {})", std::process::id());
        let mut processes: Vec<Process> = (1..=3)
            .map(|i| Process::new(who_am_i).name(format!("worker-{tag}-{}", i - 1)))
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
