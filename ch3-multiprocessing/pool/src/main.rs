//! How to use a process pool.
//!
//! In the Python recipe a `Pool(processes=4)` maps `function_square` over
//! `range(100)`; the pool is closed and joined, and the list of squares is
//! printed. The work is cut into chunks that the four long-lived worker
//! processes share.
//!
//! `--cpu-heavy` times a CPU-bound task with 1 worker and with N, to show
//! the speed-up, and where it stops. `--fail-at K` makes one task panic.
//!
//! Run it: `cargo run --bin pool` (`-- --help` lists the flags).

use clap::Parser;
use common::Pool;
use std::time::Instant;

#[derive(Parser)]
#[command(about = "Map a function over many inputs with a pool of worker processes")]
struct Args {
    /// How many worker processes
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    processes: u32,
    /// Map over 0..N
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u64).range(0..=10_000_000))]
    range: u64,
    /// Inputs sent to a worker at a time [default: about four chunks per worker, as Python]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    chunksize: Option<u64>,
    /// Make the task for this input panic, to see the error come back
    #[arg(long, value_name = "K")]
    fail_at: Option<u64>,
    /// Print how long the map took instead of its results
    #[arg(long)]
    time: bool,
    /// Time a CPU-heavy task with 1 worker and with --processes workers
    #[arg(long)]
    cpu_heavy: bool,
    /// With --cpu-heavy: each task counts the primes below this number
    #[arg(long, value_name = "N", default_value_t = 300_000, value_parser = clap::value_parser!(u64).range(2..=100_000_000))]
    work: u64,
}

// ANCHOR: square
fn function_square(data: u64) -> u64 {
    data * data
}
// ANCHOR_END: square

/// The same, with one input that is not allowed: `(input, forbidden)`.
fn square_unless((data, forbidden): (u64, u64)) -> u64 {
    if data == forbidden {
        panic!("input {data} is not allowed");
    }
    data * data
}

// ANCHOR: heavy
/// A CPU-bound task: how many primes are below `n` (trial division).
fn count_primes(n: u64) -> u64 {
    (2..n)
        .filter(|&k| (2..).take_while(|d| d * d <= k).all(|d| k % d != 0))
        .count() as u64
}
// ANCHOR_END: heavy

/// A list as Python prints one: `[0, 1, 4]`.
fn python_list(values: &[u64]) -> String {
    let items: Vec<String> = values.iter().map(u64::to_string).collect();
    format!("[{}]", items.join(", "))
}

fn main() -> std::process::ExitCode {
    common::run(run)
}

fn run(args: Args) -> common::Result<()> {
    if args.cpu_heavy {
        return cpu_heavy(args.processes as usize, args.work);
    }
    if args.fail_at.is_some() || args.chunksize.is_some() || args.time {
        return with_flags(&args);
    }
    let (processes, inputs) = (args.processes as usize, 0..args.range);
    // ANCHOR: main
    let pool = Pool::new(processes)?;
    let pool_outputs = pool.map(function_square, inputs)?;
    pool.close();
    pool.join()?;
    println!("Pool : {}", python_list(&pool_outputs));
    // ANCHOR_END: main
    Ok(())
}

/// The book's map, with `--fail-at` (one task panics first), `--chunksize`
/// and `--time`.
fn with_flags(args: &Args) -> common::Result<()> {
    let pool = Pool::new(args.processes as usize)?;
    let inputs = 0..args.range;
    if let Some(forbidden) = args.fail_at {
        // One task panics: its error comes back; the pool carries on.
        let tasks = inputs.clone().map(|x| (x, forbidden));
        if let Err(e) = pool.map(square_unless, tasks) {
            println!("Pool : {e}");
        }
    }
    let started = Instant::now();
    let pool_outputs = match args.chunksize {
        Some(chunksize) => pool.map_chunked(function_square, inputs, chunksize as usize)?,
        None => pool.map(function_square, inputs)?,
    };
    let took = started.elapsed();
    pool.close();
    pool.join()?;
    if args.time {
        let chunks = match args.chunksize {
            Some(c) => format!("chunks of {c}"),
            None => "Python's default chunks".to_string(),
        };
        println!(
            "mapped {} inputs in {chunks}: {:.3} s",
            pool_outputs.len(),
            took.as_secs_f64()
        );
    } else {
        println!("Pool : {}", python_list(&pool_outputs));
    }
    Ok(())
}

// ANCHOR: timing
/// Times the same batch of CPU-bound tasks in a plain loop, with a pool of
/// one worker and with a pool of N.
fn cpu_heavy(processes: usize, work: u64) -> common::Result<()> {
    let inputs = vec![work; 2 * processes];
    println!(
        "CPU-heavy task: {} inputs, each counting the primes below {}",
        inputs.len(),
        work
    );
    let start = Instant::now();
    let serial: Vec<u64> = inputs.iter().map(|&n| count_primes(n)).collect();
    let serial_time = start.elapsed().as_secs_f64();
    println!("serial loop: {serial_time:.2} s");
    let mut one_worker_time = 0.0;
    for workers in [1, processes] {
        let pool = Pool::new(workers)?;
        let start = Instant::now();
        let results = pool.map_chunked(count_primes, inputs.iter().copied(), 1)?;
        let took = start.elapsed().as_secs_f64();
        if results != serial {
            return Err(common::Error::new(
                "the pool computed something else than the loop",
            ));
        }
        if workers == 1 {
            one_worker_time = took;
            println!("Pool(1): {took:.2} s");
        } else {
            println!(
                "Pool({workers}): {took:.2} s ({:.1}x the 1-worker time)",
                one_worker_time / took
            );
        }
    }
    println!(
        "cores on this machine: {}",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    Ok(())
}
// ANCHOR_END: timing
