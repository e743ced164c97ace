//! A solution: start all five, then join all five. The processes sleep at
//! the same time, so the run takes about one second; and as they all wake
//! up at about the same moment, their lines come out in whatever order the
//! scheduler runs them, no longer 0 to 4.

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
        let mut processes: Vec<Process> = (0..5).map(|i| Process::with_args(work, i)).collect();
        for p in &mut processes {
            p.start()?;
        }
        for p in &mut processes {
            p.join()?;
        }
        Ok(())
    })
}
