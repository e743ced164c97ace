// Each child makes its name up from its parent's pid and a number it is
// handed, instead of being named: the names do not carry the run's tag,
// which only the parent knows.

use common::Process;

fn who_am_i(i: u32) {
    let parent = std::os::unix::process::parent_id();
    println!("I am worker-{parent}-{i} (pid {})", std::process::id());
}

fn main() -> std::process::ExitCode {
    common::main(|| {
        use std::hash::{BuildHasher, Hasher};
        let tag = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish()
            % 100_000;
        println!("tag {tag} (pid {})", std::process::id());
        let mut processes: Vec<Process> =
            (1..=3).map(|i| Process::with_args(who_am_i, i)).collect();
        for p in &mut processes {
            p.start()?;
        }
        for p in &mut processes {
            p.join()?;
        }
        Ok(())
    })
}
