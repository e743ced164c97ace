//! The queue recipe, taken home, over ipc-channel: a producer sends ten
//! random numbers (a fixed seed with `--seed N`), a consumer takes them
//! until it gets `None`, which the main program sends once the producer is
//! done. The children are this program run again, handed their channel
//! ends as in `pipe.rs`.
//!
//! Run it: `cargo run --bin queue -- --seed 2015`.

#[path = "../handoff.rs"]
mod handoff;

use handoff::{Result, err, receive, start_child};
use ipc_channel::ipc::{self, IpcReceiver, IpcSender};
use std::process::ExitCode;

/// An item, or `None`: "no more items".
type Message = Option<u32>;

/// SplitMix64: the same numbers for a seed on every machine (and as the
/// recipe's, so `--seed 2015` gives the book's items).
struct SplitMix64(u64);

impl SplitMix64 {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % n
    }
}

fn producer(server: &str, seed: u64) -> Result<()> {
    let queue: IpcSender<Message> = receive(server)?;
    let mut random = SplitMix64(seed);
    for _ in 0..10 {
        let item = random.below(257) as u32;
        queue.send(Some(item)).map_err(err)?;
        println!("Process Producer : item {item} appended to queue Producer-1");
    }
    Ok(())
}

fn consumer(server: &str) -> Result<()> {
    let queue: IpcReceiver<Message> = receive(server)?;
    while let Some(item) = queue.recv().map_err(err)? {
        println!("Process Consumer : item {item} popped from by Consumer-2");
    }
    println!("the queue is empty");
    Ok(())
}

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seed = match args.as_slice() {
        [flag, role, server] if flag == "--child" && role == "consumer" => return consumer(server),
        [flag, role, server, seed] if flag == "--child" && role == "producer" => {
            return producer(server, seed.parse().map_err(err)?);
        }
        [flag, seed] if flag == "--seed" => seed.parse::<u64>().map_err(err)?,
        [] => std::process::id().into(),
        _ => {
            eprintln!("usage: queue [--seed N]");
            std::process::exit(2);
        }
    };
    let (queue, queue_out) = ipc::channel::<Message>().map_err(err)?;
    let mut producer = start_child("producer", &[&seed.to_string()], queue.clone())?;
    let mut consumer = start_child("consumer", &[], queue_out)?;
    let status = producer.wait().map_err(err)?;
    // Every item is sent: tell the consumer to stop after them.
    queue.send(None).map_err(err)?;
    let status_2 = consumer.wait().map_err(err)?;
    if !status.success() || !status_2.success() {
        return Err(format!("a child failed: {status}, {status_2}"));
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
