//! Exercise: start every process first, then join them all.
//!
//! This is the `spawn` recipe: each process is joined before the next one
//! starts, so they run one after another. Each `work` takes a second (of
//! the book's time), so five of them take five seconds.
//!
// TODO: change `main` so that all five processes run at the same time: start
// them all in one loop, and join them all in a second loop. The check wants
// the five lines, each from a process of its own, and the whole run to take
// about one sleep: not five (one after another), nor none (no sleep).
// Then say why the order of the lines changes: put the letter of the
// right reason in answer.txt beside this folder, as `answer: x`:
//   a) each process prints faster than the one before it
//   b) they all sleep at the same time and wake at about the same
//      moment, so the scheduler decides who prints first
//   c) the processes are started in a random order
//   d) `join` prints the lines in the order the processes end

use common::Process;

fn work(i: u32) {
    common::sleep(1.0);
    println!(
        "called function in process: {i} (pid {})",
        std::process::id()
    );
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
