//! Exercise: name your processes.
//!
// TODO: give the three processes the names worker-T-1, worker-T-2 and
// worker-T-3, where T is the run's tag (`tag` below, which the main
// process prints; see the name recipe), so that each child, asking who it
// is, says so. The check wants "I am worker-T-1" to "I am worker-T-3", in
// any order, each from a process of its own (the line carries its pid).

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
        let tag = run_tag(); // for the names
        println!("tag {tag} (pid {})", std::process::id());
        let _ = tag;
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
