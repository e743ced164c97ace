// Five threads of the main process instead of five processes: they do
// sleep at the same time, but every line carries the main process's pid.

fn work(i: u32) {
    common::sleep(1.0);
    println!(
        "called function in process: {i} (pid {})",
        std::process::id()
    );
}

fn main() -> std::process::ExitCode {
    common::main(|| {
        let threads: Vec<_> = (0..5)
            .map(|i| std::thread::spawn(move || work(i)))
            .collect();
        for t in threads {
            t.join().expect("a thread panicked");
        }
        Ok(())
    })
}
