//! Named shared memory: Python 3.8's `multiprocessing.shared_memory`.
//!
//! Beyond the book (its recipes predate Python 3.8). A block of bytes gets
//! a name in `/dev/shm`; a child process attaches to it by that name, then
//! a separate program (this one again, run with `--attach NAME`) does the
//! same, as Python's documentation does from a second shell. A
//! `ShareableList` holds fixed-size values, and a `SharedMemoryManager`
//! removes every block it created. A resource tracker process removes
//! whatever the program leaves behind, even when it is killed.
//!
//! Run it: `cargo run --bin shared-memory` (`-- --help` lists the flags);
//! `-- --serve` in one terminal and `-- --attach NAME` in another.

mod named;
mod tracker;

use clap::Parser;
use common::Process;
use named::{ShareableList, SharedMemory, SharedMemoryManager};
use std::time::{Duration, Instant};
use tracker::ResourceTracker;

#[derive(Parser)]
#[command(
    about = "Shared memory blocks with names: created, attached by name from a child and from another program, and cleaned up"
)]
struct Args {
    /// Attach to the block NAME (made by another run with --serve, say),
    /// print its first five bytes and write b'HOWDY' into them
    #[arg(long, value_name = "NAME", value_parser = block_name, conflicts_with = "serve")]
    attach: Option<String>,
    /// Create a block holding b'howdy' and wait for another program to
    /// attach to it and change it (at most --patience seconds)
    #[arg(long)]
    serve: bool,
    /// With --serve: the block's name (default: a fresh psm_ name)
    #[arg(long, value_name = "NAME", value_parser = block_name, requires = "serve")]
    name: Option<String>,
    /// With --serve: seconds to wait for a visitor
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0, value_parser = common::cli::positive_seconds)]
    patience: f64,
    /// Keep every kind of block alive this many (scaled) seconds, midway,
    /// printing "holding" first: time to interrupt the program
    #[arg(long, value_name = "SECONDS", value_parser = common::cli::positive_seconds)]
    hold: Option<f64>,
    /// Panic midway, while the blocks exist
    #[arg(long)]
    panic: bool,
    /// Create one block with the shared_memory crate alone (no tracker) and
    /// hold it: kill the program meanwhile and the name stays in /dev/shm
    #[arg(long)]
    no_tracker: bool,
}

/// A name another program can attach by: letters, digits, `_`, `-`, `.`.
fn block_name(s: &str) -> Result<String, String> {
    let bare = s.trim_start_matches('/');
    let ok = (1..=tracker::MAX_NAME - 1).contains(&bare.len())
        && bare
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c));
    if ok {
        Ok(bare.to_string())
    } else {
        Err(format!(
            "'{s}' is not a block name (1 to {} letters, digits, '_', '-' or '.')",
            tracker::MAX_NAME - 1
        ))
    }
}

/// Bytes as Python prints them: `b'howdy'`.
fn python_bytes(bytes: &[u8]) -> String {
    let text: String = bytes
        .iter()
        .map(|&b| match b {
            b'\'' | b'\\' => format!("\\{}", b as char),
            0x20..=0x7e => (b as char).to_string(),
            _ => format!("\\x{b:02x}"),
        })
        .collect();
    format!("b'{text}'")
}

// ANCHOR: child
fn child_attaches(name: String) -> common::Result<()> {
    let me = common::current_process().name;
    let shm_b = SharedMemory::attach(&name)?;
    println!(
        "{me} attached to {name} by name and read {:?}",
        shm_b.read(0, 5)
    );
    shm_b.write(0, b"howdy");
    println!("{me} wrote b'howdy'");
    Ok(())
}

fn child_doubles(name: String) -> common::Result<()> {
    let list = ShareableList::<i64>::attach(&name)?;
    for i in 0..list.len() {
        list.set(i, list.get(i) * 2);
    }
    println!("{} doubled every value", common::current_process().name);
    Ok(())
}
// ANCHOR_END: child

// ANCHOR: attach
/// `--attach NAME`: the other program. It knows nothing but the name.
fn attach(name: &str) -> common::Result<()> {
    let shm = SharedMemory::attach(name)?;
    let seen = shm.read(0, 5.min(shm.size()));
    println!(
        "another program attached to {name} by name and read {}",
        python_bytes(&seen)
    );
    shm.write(0, &b"HOWDY"[..seen.len()]);
    println!("another program wrote b'HOWDY'");
    Ok(())
}
// ANCHOR_END: attach

fn main() -> std::process::ExitCode {
    common::run(run)
}

fn run(args: Args) -> common::Result<()> {
    if let Some(name) = &args.attach {
        return attach(name);
    }
    if args.no_tracker {
        return without_tracker(args.hold);
    }
    // ANCHOR: tracker_start
    // First, before any block exists: the process that cleans up after us.
    let tracker = ResourceTracker::start()?;
    // ANCHOR_END: tracker_start
    if args.serve {
        return serve(&tracker, args.name.as_deref(), args.patience);
    }

    // ANCHOR: main
    let shm_a = SharedMemory::create(10, &tracker)?;
    shm_a.write(0, &[22, 33, 44, 55, 100]);
    println!(
        "created {} ({} bytes), wrote {:?}",
        shm_a.name(),
        shm_a.size(),
        shm_a.read(0, 5)
    );
    // A child gets only the name, as an unrelated process would.
    let mut child = Process::with_args(child_attaches, shm_a.name().to_string());
    child.start()?;
    child.join()?;
    println!("the creator reads {}", python_bytes(&shm_a.read(0, 5)));

    // A second program, started with nothing but the name on its command line.
    let status = std::process::Command::new(std::env::current_exe()?)
        .args(["--attach", shm_a.name()])
        .status()?;
    if !status.success() {
        return Err(common::Error::new(format!(
            "the other program failed: {status}"
        )));
    }
    println!("the creator reads {}", python_bytes(&shm_a.read(0, 5)));
    // ANCHOR_END: main

    // ANCHOR: list
    let list = ShareableList::create(&[1_i64, 2, 3, 4, 5], &tracker)?;
    println!("ShareableList {}: {:?}", list.name(), list.to_vec());
    let mut child = Process::with_args(child_doubles, list.name().to_string());
    child.start()?;
    child.join()?;
    println!("ShareableList {}: {:?}", list.name(), list.to_vec());
    // ANCHOR_END: list

    // ANCHOR: manager
    let mut smm = SharedMemoryManager::new(&tracker);
    let block = smm.shared_memory(128)?;
    let numbers = smm.shareable_list(&[0.5_f64, 1.5, 2.5])?;
    let created: Vec<String> = smm.names().to_vec();
    println!("SharedMemoryManager created {}", created.join(" and "));
    // ANCHOR_END: manager
    if let Some(seconds) = args.hold {
        println!("holding 4 blocks");
        common::sleep(seconds);
    }
    if args.panic {
        panic!("panicking while 4 blocks exist, as asked (--panic)");
    }
    // ANCHOR: shutdown
    smm.shutdown();
    // Still mapped here: shutting down removes the names, not the memory.
    block.write(0, b"still mapped");
    println!(
        "after shutdown: {:?} still readable, {} of its names left in /dev/shm",
        numbers.to_vec(),
        left_in_dev_shm(&created)
    );
    let ours = vec![shm_a.name().to_string(), list.name().to_string()];
    drop((shm_a, list, block, numbers));
    println!(
        "blocks dropped: {} of the creator's names left in /dev/shm",
        left_in_dev_shm(&ours)
    );
    // ANCHOR_END: shutdown
    Ok(())
}

/// How many of `names` still exist in `/dev/shm`.
fn left_in_dev_shm(names: &[String]) -> usize {
    names
        .iter()
        .filter(|n| std::path::Path::new("/dev/shm").join(n).exists())
        .count()
}

// ANCHOR: serve
/// `--serve`: Python's two-shell example, the creating side.
fn serve(tracker: &ResourceTracker, name: Option<&str>, patience: f64) -> common::Result<()> {
    let shm = match name {
        Some(name) => SharedMemory::create_named(name, 10, tracker)?,
        None => SharedMemory::create(10, tracker)?,
    };
    shm.write(0, b"howdy");
    println!(
        "created {} holding b'howdy'; in another terminal:",
        shm.name()
    );
    println!("cargo run --bin shared-memory -- --attach {}", shm.name());
    let deadline = Instant::now() + Duration::from_secs_f64(patience);
    while shm.read(0, 5) == b"howdy" {
        if Instant::now() > deadline {
            return Err(common::Error::new(format!(
                "nobody changed {} within {patience} s",
                shm.name()
            )));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    println!("someone wrote {}", python_bytes(&shm.read(0, 5)));
    Ok(())
}
// ANCHOR_END: serve

// ANCHOR: no_tracker
/// `--no-tracker`: the crate alone. Its owner removes the name in `Drop`,
/// which a killed process never runs.
fn without_tracker(hold: Option<f64>) -> common::Result<()> {
    let shmem = shared_memory::ShmemConf::new()
        .size(10)
        .create()
        .map_err(|e| common::Error::new(format!("cannot create shared memory: {e}")))?;
    println!(
        "created {} without a tracker",
        shmem.get_os_id().trim_start_matches('/')
    );
    println!("holding 1 block");
    common::sleep(hold.unwrap_or(0.0));
    Ok(())
}
// ANCHOR_END: no_tracker
