// Counts the `None`s but stops at the second of three: the slowest
// producer's last items come after it and are missed.

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
    let (mut sum, mut count, mut done) = (0, 0, 0);
    while done < PRODUCERS - 1 {
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
