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
        let processes: Vec<Process> = (1..=3)
            .map(|i| Process::new(who_am_i).name(format!("worker-{tag}-{i}")))
            .collect();
        for i in 1..=processes.len() {
            println!("I am worker-{tag}-{i} (pid {})", std::process::id());
        }
        Ok(())
    })
}
