//! Exercise: start every process first, then join them all.
//!
//! This is the `spawn` recipe: each process is joined before the next one
//! starts, so they run one after another. Each `work` takes a second (of
//! the book's time), so five of them take five seconds.
//!
// TODO: change `main` so that all five processes run at the same time: start
// them all in one loop, and join them all in a second loop. The check wants
// the five lines, and the whole run to take well under the five seconds.
// Then explain, in a comment, why the order of the lines changes.

use common::Process;

fn work(i: u32) {
    common::sleep(1.0);
    println!("called function in process: {i}");
}

fn main() -> std::process::ExitCode {
    common::main(|| {
        for i in 0..5 {
            let mut p = Process::with_args(work, i);
            p.start()?;
            p.join()?;
        }
        Ok(())
    })
}
