//! The same pipeline over ipc-channel (`--via ipc-channel`): the channel
//! ends reach each child through ipc-channel itself, after it connects to a
//! one-shot server whose name it was given.

use common::Process;
use common::ipc::{self, Handoff, IpcReceiver};
use ipc_channel::ipc::IpcSender;

fn error(e: impl std::fmt::Debug) -> common::Error {
    common::Error::new(format!("ipc-channel: {e:?}"))
}

// ANCHOR: targets
fn create_items((handoff, items): (String, u32)) -> common::Result<()> {
    let output_pipe: IpcSender<u32> = ipc::receive(&handoff)?;
    for item in 0..items {
        output_pipe.send(item).map_err(error)?;
    }
    // Dropping the last sender is what the receiver sees as the end.
    Ok(())
}

fn multiply_items(handoff: String) -> common::Result<()> {
    let (input_pipe, output_pipe): (IpcReceiver<u32>, IpcSender<u64>) = ipc::receive(&handoff)?;
    // `recv` fails once every sender is gone: no more items.
    while let Ok(item) = input_pipe.recv() {
        output_pipe
            .send(u64::from(item) * u64::from(item))
            .map_err(error)?;
    }
    Ok(())
}
// ANCHOR_END: targets

/// Runs the pipeline of `items` numbers, printing the squares, then `End`.
pub fn run(items: u32) -> common::Result<()> {
    // ANCHOR: main
    let to_first = Handoff::new()?;
    let to_second = Handoff::new()?;
    let mut process_pipe_1 = Process::with_args(create_items, (to_first.name(), items));
    let mut process_pipe_2 = Process::with_args(multiply_items, to_second.name());
    process_pipe_1.start()?;
    process_pipe_2.start()?;
    // Made after the children started: no child holds a copy by accident.
    let (pipe_1_in, pipe_1_out) = ipc::channel::<u32>().map_err(error)?;
    let (pipe_2_in, pipe_2_out) = ipc::channel::<u64>().map_err(error)?;
    // Sending an end moves it into the child: this process keeps no copy.
    to_first.give(&process_pipe_1, pipe_1_in, ipc::CONNECT_TIMEOUT)?;
    to_second.give(
        &process_pipe_2,
        (pipe_1_out, pipe_2_in),
        ipc::CONNECT_TIMEOUT,
    )?;
    while let Ok(square) = pipe_2_out.recv() {
        println!("{square}");
    }
    println!("End");
    process_pipe_1.join()?;
    process_pipe_2.join()?;
    // ANCHOR_END: main
    Ok(())
}
