// No process is named: each child runs a function of its own that prints a
// name written in ("worker-1"...). The names must come from the parent,
// which builds them from the run's tag: a child's own name, written in,
// cannot carry it.

use common::Process;

fn worker(n: u32) {
    println!("I am worker-{n} (pid {})", std::process::id());
}

fn one() {
    worker(1)
}

fn two() {
    worker(2)
}

fn three() {
    worker(3)
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
        println!("tag {} (pid {})", run_tag(), std::process::id());
        let mut processes: Vec<Process> = [one as fn(), two, three]
            .into_iter()
            .map(Process::new)
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
