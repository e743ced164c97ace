//! Exercise: `map` with chunks, by hand.
//!
//! `my_map` sends every input to the pool as a task of its own, with
//! `apply_async`, and collects the results in order. That works, but each
//! input costs a message each way.
//!
// TODO: change `my_map` so that it sends `chunksize` inputs per task: give
// the workers `square_chunk` (a whole chunk at a time) and put the results
// back together in order. The check runs it on 20,000 inputs with chunks of
// 1,000, and counts the tasks: it wants 20 of them, not 20,000.

use common::Pool;

fn square(x: u64) -> u64 {
    x * x
}

/// Squares a whole chunk.
fn square_chunk(chunk: Vec<u64>) -> Vec<u64> {
    chunk.into_iter().map(square).collect()
}

/// Returns the squares of `inputs`, in order, and how many tasks it used.
fn my_map(pool: &Pool, inputs: Vec<u64>, chunksize: usize) -> common::Result<(Vec<u64>, usize)> {
    let _ = (chunksize, square_chunk as fn(Vec<u64>) -> Vec<u64>);
    let pending: Vec<_> = inputs
        .into_iter()
        .map(|x| pool.apply_async(square, x))
        .collect::<common::Result<_>>()?;
    let tasks = pending.len();
    let results = pending
        .iter()
        .map(|p| p.get())
        .collect::<common::Result<Vec<u64>>>()?;
    Ok((results, tasks))
}

fn main() -> std::process::ExitCode {
    common::main(|| {
        let pool = Pool::new(2)?;
        let (squares, tasks) = my_map(&pool, (0..20_000).collect(), 1_000)?;
        let sum: u64 = squares.iter().sum();
        let in_order = squares
            .iter()
            .enumerate()
            .all(|(i, s)| *s == (i as u64) * (i as u64));
        println!(
            "{} results in order: {in_order}, sum {sum}, tasks {tasks}",
            squares.len()
        );
        Ok(())
    })
}
