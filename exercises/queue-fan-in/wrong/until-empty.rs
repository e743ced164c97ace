// Stops as soon as the queue is empty: the producers pause between items,
// so the consumer catches up with them and stops early.

use common::{Process, Queue};

fn producer((queue, id): (Queue<Option<u32>>, u32)) -> common::Result<()> {
    for i in 1..=10 {
        queue.put(&Some(id * 10 + i))?;
        common::sleep(0.01 * f64::from(id + 1));
    }
    queue.put(&None)
}

fn consumer((queue, producers): (Queue<Option<u32>>, u32)) -> common::Result<()> {
    let (mut sum, mut count, mut done) = (0, 0, 0);
    while done < producers && !queue.empty() {
        match queue.get()? {
            Some(item) => {
                sum += item;
                count += 1;
            }
            None => done += 1,
        }
    }
    println!("sum of {count} items: {sum}");
    Ok(())
}

/// How many producers: the first argument, 3 if none (the check gives other
/// numbers too).
fn producers() -> common::Result<u32> {
    match std::env::args().nth(1) {
        None => Ok(3),
        Some(a) => a
            .parse()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| common::Error::usage(format!("not a count: {a:?}"))),
    }
}

fn main() -> std::process::ExitCode {
    common::main(|| {
        let producers = producers()?;
        let queue = Queue::new()?;
        let mut processes: Vec<Process> = (0..producers)
            .map(|id| Process::with_args(producer, (queue.clone(), id)))
            .collect();
        processes.push(Process::with_args(consumer, (queue, producers)));
        for p in &mut processes {
            p.start()?;
        }
        for p in &mut processes {
            p.join()?;
        }
        Ok(())
    })
}
