//! How to spawn a process.
//!
//! The Python recipe builds a `multiprocessing.Process` whose target is a
//! function taking the loop counter, then starts it and joins it, five
//! times in a loop. Because each child is joined before the next one is
//! created, the children run one after another and the lines come out in
//! order. The second edition starts six and has each child count up to its
//! own number (`--edition 2`).
//!
//! Run it: `cargo run --bin spawn` (`-- --help` lists the flags).

use clap::Parser;
use common::Process;

#[derive(Parser)]
#[command(about = "Start processes one after another, each running a function with an argument")]
struct Args {
    /// How many processes to start, one after another [default: 5, or 6 with --edition 2]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    processes: Option<u32>,
    /// Which edition of the book's target function to run
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=2))]
    edition: u8,
    /// Start them all first, then join them all: they run side by side
    #[arg(long)]
    all_first: bool,
}

// ANCHOR: targets
/// The first edition's target.
fn foo(i: u32) {
    println!("called function in process: {i}");
}

/// The second edition's target: it also counts up to its own number.
fn my_func(i: u32) {
    println!("calling myFunc from process n°: {i}");
    for j in 0..i {
        println!("output from myFunc is :{j}");
    }
}
// ANCHOR_END: targets

fn main() -> std::process::ExitCode {
    common::run(run)
}

fn run(args: Args) -> common::Result<()> {
    let (target, default_count): (fn(u32), u32) = match args.edition {
        1 => (foo, 5),
        _ => (my_func, 6),
    };
    let count = args.processes.unwrap_or(default_count);
    if args.all_first {
        // ANCHOR: all_first
        let mut started = Vec::new();
        for i in 0..count {
            let mut p = Process::with_args(target, i);
            p.start()?;
            started.push(p);
        }
        for p in &mut started {
            p.join()?;
        }
        // ANCHOR_END: all_first
        return Ok(());
    }
    // ANCHOR: loop
    for i in 0..count {
        let mut p = Process::with_args(target, i);
        p.start()?;
        p.join()?;
    }
    // ANCHOR_END: loop
    Ok(())
}
