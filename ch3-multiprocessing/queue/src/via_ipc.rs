//! The same producers and consumer over ipc-channel (`--via ipc-channel`).
//! An ipc-channel has many senders but one receiver, so there is one
//! consumer; and it has no size, so a shared counter stands in for
//! `qsize()` (Python's `Queue` keeps one too).

use crate::{Message, SplitMix64};
use common::ipc::{self, Handoff, IpcReceiver};
use common::{Process, Value, current_process};
use ipc_channel::ipc::IpcSender;

fn error(e: impl std::fmt::Debug) -> common::Error {
    common::Error::new(format!("ipc-channel: {e:?}"))
}

// ANCHOR: producer
fn producer((handoff, size, items, seed): (String, Value<u32>, u32, u64)) -> common::Result<()> {
    let name = current_process().name;
    let queue: IpcSender<Message> = ipc::receive(&handoff)?;
    let mut random = SplitMix64(seed);
    for _ in 0..items {
        let item = random.below(257) as u32; // Python's randint(0, 256)
        *size.lock()? += 1;
        queue.send(Some(item)).map_err(error)?;
        println!("Process Producer : item {item} appended to queue {name}");
        common::sleep(1.0);
        println!("The size of queue is {}", size.get()?);
    }
    Ok(())
}
// ANCHOR_END: producer

// ANCHOR: consumer
fn consumer((handoff, size): (String, Value<u32>)) -> common::Result<()> {
    let name = current_process().name;
    let queue: IpcReceiver<Message> = ipc::receive(&handoff)?;
    loop {
        common::sleep(2.0);
        match queue.recv().map_err(error)? {
            Some(item) => {
                *size.lock()? -= 1;
                println!("Process Consumer : item {item} popped from by {name}");
                common::sleep(1.0);
            }
            None => {
                println!("the queue is empty");
                return Ok(());
            }
        }
    }
}
// ANCHOR_END: consumer

/// `producers` producers of `items` items each, one consumer.
pub fn run(items: u32, seed: u64, producers: u32) -> common::Result<()> {
    // ANCHOR: main
    let size = Value::new(0_u32)?;
    let mut handoffs = Vec::new();
    let mut producers: Vec<Process> = (0..producers)
        .map(|i| {
            let handoff = Handoff::<IpcSender<Message>>::new()?;
            let args = (
                handoff.name(),
                size.clone(),
                items,
                seed.wrapping_add(u64::from(i)),
            );
            handoffs.push(handoff);
            // Named as the default run's `Producer` and `Consumer` types name theirs.
            Ok(Process::with_args(producer, args).name(format!("Producer-{}", i + 1)))
        })
        .collect::<common::Result<_>>()?;
    let to_consumer = Handoff::<IpcReceiver<Message>>::new()?;
    let mut consumer = Process::with_args(consumer, (to_consumer.name(), size.clone()))
        .name(format!("Consumer-{}", producers.len() + 1));
    for p in producers.iter_mut().chain([&mut consumer]) {
        p.start()?;
    }
    let (queue, queue_out) = ipc::channel::<Message>().map_err(error)?;
    // Each producer gets a sender of its own; the consumer gets the receiver.
    for (handoff, p) in handoffs.into_iter().zip(&producers) {
        handoff.give(p, queue.clone(), ipc::CONNECT_TIMEOUT)?;
    }
    to_consumer.give(&consumer, queue_out, ipc::CONNECT_TIMEOUT)?;
    for p in &mut producers {
        p.join()?;
    }
    queue.send(None).map_err(error)?;
    consumer.join()?;
    // ANCHOR_END: main
    Ok(())
}
