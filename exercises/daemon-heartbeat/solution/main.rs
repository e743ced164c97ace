//! A solution: make the heartbeat a daemon. When the main program ends,
//! daemon children are terminated instead of waited for.

use common::Process;

fn heartbeat() {
    loop {
        println!("beat (pid {})", std::process::id());
        common::sleep(0.1);
    }
}

fn main() -> std::process::ExitCode {
    common::main(|| {
        Process::new(heartbeat).daemon(true).start()?;
        common::sleep(0.5);
        println!("work done");
        Ok(())
    })
}
