//! A solution: the producer ends with a `None` ("no more items"), and the
//! consumer `get`s (which waits) until it receives it. `empty()` answers for
//! one instant only; it cannot tell "nothing yet" from "nothing ever".

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
    while let Some(item) = queue.get()? {
        println!("Process Consumer : item {item} popped");
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
