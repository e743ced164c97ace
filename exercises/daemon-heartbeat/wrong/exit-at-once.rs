// Ends the main program with `std::process::exit(0)`: the program's main
// process goes, but the heartbeat child is left running behind it.

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
        std::process::exit(0)
    })
}
