//! A test helper, not a recipe: `common::ipc`'s bounded handoff, one case
//! per subcommand (`ipc-probe <case> <start method>`), run by
//! `tests/tests/ipc.rs`. Each prints one line per claim.

use common::ipc::{self, Handoff, IpcReceiver, IpcSharedMemory};
use common::{Error, Process, Result};
use std::time::Duration;

fn main() -> std::process::ExitCode {
    common::main(run)
}

fn run() -> Result<()> {
    match cookbook_tests::probe_case().as_str() {
        "dies-early" => dies_early(),
        "never-connects" => never_connects(),
        "hands-over" => hands_over(),
        "shared-payload" => shared_payload(),
        other => Err(Error::usage(format!("unknown case '{other}'"))),
    }
}

fn fail_at_once(_handoff: String) -> Result<()> {
    Err(Error::new("failing before connecting, on purpose"))
}

fn sleep_long(_handoff: String) -> Result<()> {
    std::thread::sleep(Duration::from_secs(60));
    Ok(())
}

fn echo(handoff: String) -> Result<()> {
    let (from_parent, to_parent): (IpcReceiver<String>, ipc_channel::ipc::IpcSender<String>) =
        ipc::receive(&handoff)?;
    while let Ok(text) = from_parent.recv() {
        to_parent
            .send(text.to_uppercase())
            .map_err(|e| Error::new(e.to_string()))?;
    }
    Ok(())
}

/// The child ends before connecting: `give` says so instead of waiting
/// for ever (the timeout is far longer than the harness's).
fn dies_early() -> Result<()> {
    let handoff = Handoff::<String>::new()?;
    let mut child = Process::with_args(fail_at_once, handoff.name());
    child.start()?;
    let outcome = handoff.give(&child, "hello".into(), Duration::from_secs(3600));
    child.join()?;
    println!(
        "{}",
        outcome.err().map_or("no error".into(), |e| e.to_string())
    );
    Ok(())
}

/// The child lives but never connects: `give` gives up after its timeout.
fn never_connects() -> Result<()> {
    let handoff = Handoff::<String>::new()?;
    let mut child = Process::with_args(sleep_long, handoff.name());
    child.start()?;
    let outcome = handoff.give(&child, "hello".into(), Duration::from_millis(500));
    child.terminate()?;
    child.join()?;
    println!(
        "{}",
        outcome.err().map_or("no error".into(), |e| e.to_string())
    );
    Ok(())
}

/// A working handoff: two channel ends sent through ipc-channel itself.
fn hands_over() -> Result<()> {
    let handoff = Handoff::new()?;
    let mut child = Process::with_args(echo, handoff.name());
    child.start()?;
    let (to_child, from_parent) =
        ipc::channel::<String>().map_err(|e| Error::new(e.to_string()))?;
    let (to_parent, from_child) =
        ipc::channel::<String>().map_err(|e| Error::new(e.to_string()))?;
    handoff.give(&child, (from_parent, to_parent), ipc::CONNECT_TIMEOUT)?;
    to_child
        .send("howdy".into())
        .map_err(|e| Error::new(e.to_string()))?;
    let reply = from_child
        .recv()
        .map_err(|e| Error::new(format!("{e:?}")))?;
    drop(to_child);
    child.join()?;
    println!("reply: {reply}");
    Ok(())
}

/// The child sums a block of shared memory and says whether it saw the
/// parent's bytes.
fn sum_block(handoff: String) -> Result<()> {
    let (block, to_parent): (IpcSharedMemory, ipc_channel::ipc::IpcSender<(usize, u64)>) =
        ipc::receive(&handoff)?;
    let sum = block.iter().map(|&b| u64::from(b)).sum();
    to_parent
        .send((block.len(), sum))
        .map_err(|e| Error::new(e.to_string()))
}

/// `IpcSharedMemory`: 8 MiB handed to a child as shared memory.
fn shared_payload() -> Result<()> {
    let bytes: Vec<u8> = (0..8 << 20).map(|i: u32| (i % 251) as u8).collect();
    let expected: u64 = bytes.iter().map(|&b| u64::from(b)).sum();
    let handoff = Handoff::new()?;
    let mut child = Process::with_args(sum_block, handoff.name());
    child.start()?;
    let (to_parent, from_child) =
        ipc::channel::<(usize, u64)>().map_err(|e| Error::new(e.to_string()))?;
    handoff.give(
        &child,
        (IpcSharedMemory::from_bytes(&bytes), to_parent),
        ipc::CONNECT_TIMEOUT,
    )?;
    let (len, sum) = from_child
        .recv()
        .map_err(|e| Error::new(format!("{e:?}")))?;
    child.join()?;
    println!("the child saw {len} bytes, sum right: {}", sum == expected);
    Ok(())
}
