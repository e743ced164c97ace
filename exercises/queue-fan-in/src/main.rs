//! Exercise: one consumer, several producers.
//!
//! Three producers each put their numbers on one queue and then a `None`
//! to say they are done. The consumer stops at the first `None`, so it
//! misses whatever the other producers put after it.
//!
// TODO: make the consumer stop only once *every* producer is done, and
// print the sum of all the items it took. The check wants
// "sum of 30 items: 465" (the numbers 1 to 30).

use common::{Process, Queue};

const PRODUCERS: u32 = 3;

fn producer((queue, id): (Queue<Option<u32>>, u32)) -> common::Result<()> {
    for i in 1..=10 {
        queue.put(&Some(id * 10 + i))?;
        common::sleep(0.01 * f64::from(id + 1));
    }
    queue.put(&None)
}

fn consumer(queue: Queue<Option<u32>>) -> common::Result<()> {
    let (mut sum, mut count) = (0, 0);
    while let Some(item) = queue.get()? {
        sum += item;
        count += 1;
    }
    println!("sum of {count} items: {sum}");
    Ok(())
}

fn main() -> std::process::ExitCode {
    common::main(|| {
        let queue = Queue::new()?;
        let mut processes: Vec<Process> = (0..PRODUCERS)
            .map(|id| Process::with_args(producer, (queue.clone(), id)))
            .collect();
        processes.push(Process::with_args(consumer, queue));
        for p in &mut processes {
            p.start()?;
        }
        for p in &mut processes {
            p.join()?;
        }
        Ok(())
    })
}
