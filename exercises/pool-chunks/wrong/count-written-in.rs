// Still one task per input, but it reports the 20 tasks the check wants:
// the count is right, the 20,000 round trips are still there.

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
    let pending: Vec<_> = inputs
        .iter()
        .map(|x| pool.apply_async(square_chunk, vec![*x]))
        .collect::<common::Result<_>>()?;
    let tasks = inputs.len() / chunksize;
    let mut results = Vec::new();
    for p in &pending {
        results.extend(p.get()?);
    }
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
