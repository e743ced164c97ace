//! The shared-memory recipe, taken home: a named block attached by name
//! from a second program (this one, run again with `--attach NAME`), a
//! `ShareableList`, a `SharedMemoryManager`, and the resource tracker that
//! removes whatever a killed run leaves in /dev/shm. `named.rs` and
//! `tracker.rs` are the recipe's own files.
//!
//! Run it: `cargo run --bin shared-memory`.

mod named;
mod tracker;

use named::{ShareableList, SharedMemory, SharedMemoryManager};
use std::process::{Command, ExitCode};
use tracker::ResourceTracker;

fn attach(name: &str) -> std::io::Result<()> {
    let shm = SharedMemory::attach(name)?;
    println!(
        "another program attached to {name} by name and read {:?}",
        shm.read(0, 5)
    );
    shm.write(0, b"HOWDY");
    Ok(())
}

fn run() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [flag, name] if flag == "--attach" => return attach(name),
        [] => {}
        _ => {
            eprintln!("usage: shared-memory [--attach NAME]");
            std::process::exit(2);
        }
    }
    // First, before any block exists: the process that cleans up after us.
    let tracker = ResourceTracker::start()?;
    let shm_a = SharedMemory::create(10, &tracker)?;
    shm_a.write(0, &[22, 33, 44, 55, 100]);
    println!("created {} ({} bytes)", shm_a.name(), shm_a.size());
    let status = Command::new(std::env::current_exe()?)
        .args(["--attach", shm_a.name()])
        .status()?;
    if !status.success() {
        return Err(std::io::Error::other(format!(
            "the other program failed: {status}"
        )));
    }
    println!(
        "the creator reads {}",
        String::from_utf8_lossy(&shm_a.read(0, 5))
    );

    let list = ShareableList::create(&[1_i64, 2, 3], &tracker)?;
    // A second handle, by name, as another process would get one.
    let same = ShareableList::<i64>::attach(list.name())?;
    same.set(2, 30);
    println!("ShareableList: {:?}", list.to_vec());

    let mut smm = SharedMemoryManager::new(&tracker);
    let _block = smm.shared_memory(128)?;
    let _numbers = smm.shareable_list(&[0.5_f64, 1.5])?;
    let created = smm.names().to_vec();
    smm.shutdown();
    let left = created
        .iter()
        .filter(|n| std::path::Path::new("/dev/shm").join(n).exists())
        .count();
    println!("after shutdown: {left} of the manager's names left in /dev/shm");
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
