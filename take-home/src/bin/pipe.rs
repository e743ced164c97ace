//! The pipe recipe, taken home, over ipc-channel: a first process sends
//! 0..9 down one channel, a second squares them into another, the main
//! program prints the squares, then `End`.
//!
//! The children are this program run again (`--child first|second NAME`),
//! given the name of a one-shot server; they connect to it and are handed
//! their channel ends through ipc-channel itself. The wait for a child to
//! connect is bounded: a child that dies first is an error, not a hang.
//!
//! Run it: `cargo run --bin pipe`.

#[path = "../handoff.rs"]
mod handoff;

use handoff::{Result, err, receive, start_child};
use ipc_channel::ipc::{self, IpcReceiver, IpcSender};
use std::process::ExitCode;

fn create_items(server: &str) -> Result<()> {
    let output_pipe: IpcSender<u32> = receive(server)?;
    for item in 0..10 {
        output_pipe.send(item).map_err(err)?;
    }
    Ok(())
}

fn multiply_items(server: &str) -> Result<()> {
    let (input_pipe, output_pipe): (IpcReceiver<u32>, IpcSender<u64>) = receive(server)?;
    while let Ok(item) = input_pipe.recv() {
        output_pipe
            .send(u64::from(item) * u64::from(item))
            .map_err(err)?;
    }
    Ok(())
}

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [flag, role, server] if flag == "--child" && role == "first" => {
            return create_items(server);
        }
        [flag, role, server] if flag == "--child" && role == "second" => {
            return multiply_items(server);
        }
        [] => {}
        _ => {
            eprintln!("usage: pipe");
            std::process::exit(2);
        }
    }
    let (pipe_1_in, pipe_1_out) = ipc::channel::<u32>().map_err(err)?;
    let (pipe_2_in, pipe_2_out) = ipc::channel::<u64>().map_err(err)?;
    let mut first = start_child("first", &[], pipe_1_in)?;
    let mut second = start_child("second", &[], (pipe_1_out, pipe_2_in))?;
    while let Ok(square) = pipe_2_out.recv() {
        println!("{square}");
    }
    println!("End");
    for child in [&mut first, &mut second] {
        let status = child.wait().map_err(err)?;
        if !status.success() {
            return Err(format!("a child failed: {status}"));
        }
    }
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
