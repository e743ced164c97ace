// The producer sends its `None`, but the consumer still stops when it finds
// the queue empty, which it does before the producer has started.

use common::{Process, Queue};

/// How long the producer takes to start: half a second of the book's time,
/// or `QUEUE_RACE_STARTUP` seconds (the check tries a slow start too).
fn startup() -> f64 {
    std::env::var("QUEUE_RACE_STARTUP")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.5)
}

fn producer(queue: Queue<Option<u32>>) -> common::Result<()> {
    common::sleep(startup()); // starting up
    for item in 1..=5 {
        queue.put(&Some(item))?;
        println!("Process Producer : item {item} appended to queue");
    }
    queue.put(&None)
}

fn consumer(queue: Queue<Option<u32>>) -> common::Result<()> {
    while !queue.empty() {
        match queue.get()? {
            Some(item) => println!("Process Consumer : item {item} popped"),
            None => break,
        }
    }
    println!("the queue is empty");
    Ok(())
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
