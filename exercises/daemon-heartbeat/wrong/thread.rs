// The heartbeat runs in a thread of the main process instead of a process:
// a thread ends with the program, but this is not the background process
// the recipe is about (each beat carries the main process's pid).

fn heartbeat() {
    loop {
        println!("beat (pid {})", std::process::id());
        common::sleep(0.1);
    }
}

fn main() -> std::process::ExitCode {
    common::main(|| {
        std::thread::spawn(heartbeat);
        common::sleep(0.5);
        println!("work done");
        Ok(())
    })
}
