//! The queue recipe with threads instead of processes: the same producer
//! and consumer, the same lines, over a `crossbeam-channel` inside one
//! process. The queue page puts it beside the process version, to show
//! what processes cost and when they are worth it.
//!
//! Run it: `cargo run --bin queue-threads -- --seed 2015`.

use clap::Parser;
use crossbeam_channel::{Receiver, Sender, unbounded};

#[derive(Parser)]
#[command(
    about = "A producer thread puts random numbers on a channel; a consumer thread takes them off"
)]
struct Args {
    /// How many items the producer puts
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(0..=100_000))]
    items: u32,
    /// Seed for the producer's random numbers [default: a new one each run]
    #[arg(long)]
    seed: Option<u64>,
}

/// The recipe's SplitMix64: the same seed gives the same items.
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

// ANCHOR: threads
fn producer(queue: Sender<Option<u32>>, items: u32, seed: u64) {
    let mut random = SplitMix64(seed);
    for _ in 0..items {
        let item = random.below(257) as u32;
        // An unbounded channel never refuses, and the consumer holds the receiver.
        queue.send(Some(item)).expect("the consumer is alive");
        println!("Process Producer : item {item} appended to queue Producer-1");
        common::sleep(1.0);
        println!("The size of queue is {}", queue.len());
    }
}

fn consumer(queue: Receiver<Option<u32>>) {
    loop {
        common::sleep(2.0);
        match queue.recv() {
            Ok(Some(item)) => {
                println!("Process Consumer : item {item} popped from by Consumer-2");
                common::sleep(1.0);
            }
            // `None`, or every sender gone: nothing more will come.
            Ok(None) | Err(_) => {
                println!("the queue is empty");
                return;
            }
        }
    }
}

fn run(items: u32, seed: u64) {
    let (queue, queue_out) = unbounded::<Option<u32>>();
    std::thread::scope(|s| {
        let to_producer = queue.clone();
        let producer = s.spawn(move || producer(to_producer, items, seed));
        s.spawn(move || consumer(queue_out));
        producer.join().expect("the producer finished");
        queue.send(None).expect("the consumer is alive");
    });
}
// ANCHOR_END: threads

fn main() -> std::process::ExitCode {
    common::run(|args: Args| {
        let seed = args.seed.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64)
        });
        run(args.items, seed);
        Ok(())
    })
}
