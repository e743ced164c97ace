//! Exercise: fix the race in the book's queue consumer.
//!
//! The producer needs a moment before its first `put` (it is "starting
//! up"); the consumer stops as soon as it finds the queue empty, so it
//! often stops before anything was put, and the items are never taken.
//!
// TODO: make the consumer take all the items, however slow the producer is:
// the producer should tell the consumer when it is done. (Change the item
// type if you need to.) The check wants the 5 "popped" lines, then
// "the queue is empty". Then say why `empty()` cannot be the way to stop:
// put the letter in answer.txt beside this folder, as `answer: x`:
//   a) `empty()` is slow
//   b) it answers for one instant: "nothing yet" and "nothing ever" look
//      the same, and only the producer knows which it is
//   c) it always returns true in a child process
//   d) it takes items off the queue

use common::{Process, Queue};

/// How long the producer takes to start: half a second of the book's time,
/// or `QUEUE_RACE_STARTUP` seconds (the check tries a slow start too).
fn startup() -> f64 {
    std::env::var("QUEUE_RACE_STARTUP")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.5)
}

fn producer(queue: Queue<u32>) -> common::Result<()> {
    common::sleep(startup()); // starting up
    for item in 1..=5 {
        queue.put(&item)?;
        println!("Process Producer : item {item} appended to queue");
    }
    Ok(())
}

fn consumer(queue: Queue<u32>) -> common::Result<()> {
    loop {
        if queue.empty() {
            println!("the queue is empty");
            return Ok(());
        }
        let item = queue.get()?;
        println!("Process Consumer : item {item} popped");
    }
}

fn main() -> std::process::ExitCode {
    common::main(|| {
        let queue = Queue::new()?;
        let mut p = Process::with_args(producer, queue.clone());
        let mut c = Process::with_args(consumer, queue);
        p.start()?;
        c.start()?;
        p.join()?;
        c.join()?;
        Ok(())
    })
}
