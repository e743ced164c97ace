//! Using a queue to exchange objects.
//!
//! In the Python recipe a `producer` process puts ten random integers
//! (0 to 256) on a `multiprocessing.Queue`, printing each and the queue's
//! size, with a second's pause after each; a `consumer` process takes them
//! off, pausing two seconds before each `get` and one after. The consumer
//! stops when it finds the queue empty, which it may do before the producer
//! has put anything: the book's race (see the page). Here the consumer
//! stops when it is told the producers are done, so it takes all items.
//!
//! Run it: `cargo run --bin queue` (`-- --help` lists the flags).

mod via_ipc;

use clap::{Parser, ValueEnum};
use common::{Process, Queue, Run, current_process};
use serde::{Deserialize, Serialize};

/// What carries the items from the producers to the consumers.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Via {
    /// common's `Queue`, like Python's `multiprocessing.Queue`
    Queue,
    /// the ipc-channel crate's channel (one consumer)
    IpcChannel,
}

#[derive(Parser)]
#[command(about = "Producers put random numbers on a queue; consumers take them off")]
struct Args {
    /// How many items each producer puts
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(0..=100_000))]
    items: u32,
    /// Seed for the producers' random numbers [default: a new one each run]
    #[arg(long)]
    seed: Option<u64>,
    /// How many producer processes
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64))]
    producers: u32,
    /// How many consumer processes
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64))]
    consumers: u32,
    /// What carries the items: common's Queue, or an ipc-channel
    #[arg(long, value_enum, default_value_t = Via::Queue)]
    via: Via,
}

/// An item, or `None`: "no more items", one for each consumer at the end.
type Message = Option<u32>;

// ANCHOR: producer
#[derive(Serialize, Deserialize)]
struct Producer {
    queue: Queue<Message>,
    items: u32,
    seed: u64,
}

impl Run for Producer {
    fn run(&self) -> common::Result<()> {
        let name = current_process().name;
        let mut random = SplitMix64(self.seed);
        for _ in 0..self.items {
            let item = random.below(257) as u32; // Python's randint(0, 256)
            self.queue.put(&Some(item))?;
            println!("Process Producer : item {item} appended to queue {name}");
            common::sleep(1.0);
            println!("The size of queue is {}", self.queue.qsize());
        }
        Ok(())
    }
}
// ANCHOR_END: producer

// ANCHOR: consumer
#[derive(Serialize, Deserialize)]
struct Consumer {
    queue: Queue<Message>,
}

impl Run for Consumer {
    fn run(&self) -> common::Result<()> {
        let name = current_process().name;
        loop {
            common::sleep(2.0);
            // `get` waits for the next message: no race with the producer.
            match self.queue.get()? {
                Some(item) => {
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
}
// ANCHOR_END: consumer

/// A small, well-known random number generator (SplitMix64), so that a
/// seed gives the same numbers on every machine.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn main() -> std::process::ExitCode {
    common::run(run)
}

fn run(args: Args) -> common::Result<()> {
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
    });
    let Args {
        items,
        producers,
        consumers,
        ..
    } = args;
    if args.via == Via::IpcChannel {
        if consumers != 1 {
            return Err(common::Error::usage(format!(
                "--via ipc-channel takes one consumer (a channel has one receiver), not --consumers {consumers}"
            )));
        }
        return via_ipc::run(items, seed, producers);
    }
    // ANCHOR: main
    let queue = Queue::<Message>::new()?;
    let mut producers: Vec<Process> = (0..producers)
        .map(|i| {
            Process::from_run(Producer {
                queue: queue.clone(),
                items,
                seed: seed.wrapping_add(i as u64),
            })
        })
        .collect();
    let mut consumers: Vec<Process> = (0..consumers)
        .map(|_| {
            Process::from_run(Consumer {
                queue: queue.clone(),
            })
        })
        .collect();
    for p in producers.iter_mut().chain(consumers.iter_mut()) {
        p.start()?;
    }
    for p in &mut producers {
        p.join()?;
    }
    // Every item is on the queue now: tell each consumer to stop after them.
    for _ in 0..consumers.len() {
        queue.put(&None)?;
    }
    for c in &mut consumers {
        c.join()?;
    }
    // ANCHOR_END: main
    Ok(())
}
