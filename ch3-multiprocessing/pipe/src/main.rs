//! Using pipes to exchange objects.
//!
//! In the Python recipe a first process (`create_items`) sends the numbers
//! 0 to 9 down one pipe and closes its end; a second (`multiply_items`)
//! receives them, squares each and sends the squares down a second pipe,
//! until the first pipe reports end-of-file, then closes its end; the main
//! program prints what comes out of the second pipe, then `End`.
//!
//! Run it: `cargo run --bin pipe` (`-- --help` lists the flags).

mod via_ipc;

use clap::{Parser, ValueEnum};
use common::{Connection, Process, pipe};
use std::time::Duration;

/// What carries the items between the processes.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Via {
    /// common's `pipe()`: a socket pair, like Python's `Pipe()`
    Pipe,
    /// the ipc-channel crate's channels
    IpcChannel,
}

#[derive(Parser)]
#[command(about = "Two processes and two pipes: numbers go in, squares come out")]
struct Args {
    /// How many numbers the first process sends (0 to N-1)
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(0..=1_000_000))]
    items: u32,
    /// Keep a copy of the second pipe's writing end in the main process, and
    /// see why end-of-file never comes (the main process gives up after
    /// --patience seconds)
    #[arg(long)]
    keep_writer: bool,
    /// With --keep-writer: seconds to wait for more data before giving up
    #[arg(long, value_name = "SECONDS", default_value_t = 2.0, value_parser = common::cli::positive_seconds)]
    patience: f64,
    /// What carries the items: common's pipe, or ipc-channel
    #[arg(long, value_enum, default_value_t = Via::Pipe, conflicts_with = "keep_writer")]
    via: Via,
}

// ANCHOR: targets
fn create_items((output_pipe, items): (Connection, u32)) -> common::Result<()> {
    for item in 0..items {
        output_pipe.send(&item)?;
    }
    output_pipe.close();
    Ok(())
}

fn multiply_items((input_pipe, output_pipe): (Connection, Connection)) -> common::Result<()> {
    loop {
        match input_pipe.recv::<u32>() {
            Ok(item) => output_pipe.send(&(u64::from(item) * u64::from(item)))?,
            // Every writing end of the first pipe is closed: no more items.
            Err(e) if e.is_eof() => break,
            Err(e) => return Err(e),
        }
    }
    output_pipe.close();
    Ok(())
}
// ANCHOR_END: targets

fn main() -> std::process::ExitCode {
    common::run(run)
}

fn run(args: Args) -> common::Result<()> {
    let items = args.items;
    if args.via == Via::IpcChannel {
        return via_ipc::run(items);
    }
    // ANCHOR: main
    let (pipe_1_in, pipe_1_out) = pipe(true)?;
    let (pipe_2_in, pipe_2_out) = pipe(true)?;
    // Giving an end to a process moves it: this process no longer holds it,
    // which is what the book's explicit close() calls achieve.
    // ANCHOR_END: main
    // ANCHOR: forgotten
    // With --keep-writer, a copy of the second pipe's writing end stays here.
    let forgotten = if args.keep_writer {
        Some(pipe_2_in.try_clone()?)
    } else {
        None
    };
    // ANCHOR_END: forgotten
    // ANCHOR: processes
    let mut process_pipe_1 = Process::with_args(create_items, (pipe_1_in, items));
    let mut process_pipe_2 = Process::with_args(multiply_items, (pipe_1_out, pipe_2_in));
    // ANCHOR_END: processes
    if forgotten.is_some() {
        let processes = [process_pipe_1, process_pipe_2];
        return read_with_patience(processes, &pipe_2_out, args.patience);
    }
    // ANCHOR: read
    process_pipe_1.start()?;
    process_pipe_2.start()?;
    loop {
        match pipe_2_out.recv::<u64>() {
            Ok(square) => println!("{square}"),
            Err(e) if e.is_eof() => break,
            Err(e) => return Err(e),
        }
    }
    println!("End");
    process_pipe_1.join()?;
    process_pipe_2.join()?;
    // ANCHOR_END: read
    Ok(())
}

/// With `--keep-writer`: end-of-file never comes, so the main process
/// waits at most `patience` seconds for each square, then gives up.
fn read_with_patience(
    mut processes: [Process; 2],
    pipe: &Connection,
    patience: f64,
) -> common::Result<()> {
    for p in &mut processes {
        p.start()?;
    }
    while pipe.poll(Some(Duration::from_secs_f64(patience)))? {
        match pipe.recv::<u64>() {
            Ok(square) => println!("{square}"),
            Err(e) => return Err(e),
        }
    }
    println!(
        "no end-of-file after {patience} s: a writing end of the pipe is still open (this process holds one)"
    );
    for p in &mut processes {
        p.join()?;
    }
    Err(common::Error::new("gave up waiting for end-of-file"))
}
