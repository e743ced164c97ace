// The sleep is deleted and each process is still joined before the next
// starts: the run is quick, so an upper time bound alone lets it through.
// It must take at least the one sleep each process does.

use common::Process;

fn work(i: u32) {
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
