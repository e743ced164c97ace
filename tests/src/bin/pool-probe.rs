//! A test helper, not a recipe: the pool's reliability cases, one per
//! subcommand (`pool-probe <case> <spawn|fork>`), run by
//! `tests/tests/pool_reliability.rs`. Each prints one line per claim.

use common::{Error, Pool, Result, StartMethod};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::time::{Duration, Instant};

fn main() -> std::process::ExitCode {
    common::main(run)
}

fn run() -> Result<()> {
    match cookbook_tests::probe_case().as_str() {
        "big-payloads" => big_payloads(),
        "terminate-while-waiting" => terminate_while_waiting(),
        "bad-results" => bad_results(),
        "initializer-fails" => initializer_fails(),
        "replacement-initializer-fails" => replacement_initializer_fails(),
        "max-tasks-zero" => max_tasks_zero(),
        "thread-replacements" => thread_replacements(),
        "dies-mid-send" => dies_mid_send(),
        other => Err(Error::usage(format!("unknown case '{other}'"))),
    }
}

const MIB: usize = 1 << 20;

/// 1 MiB in, 1 MiB out: every byte flipped.
fn flip(input: Vec<u8>) -> Vec<u8> {
    input.into_iter().map(|b| !b).collect()
}

/// Four 1 MiB inputs and results, with 1 and 2 workers, one or four inputs
/// to a chunk: more than a socket holds in either direction.
fn big_payloads() -> Result<()> {
    let inputs: Vec<Vec<u8>> = (0..4u8)
        .map(|i| (0..MIB).map(|j| i.wrapping_add(j as u8)).collect())
        .collect();
    let expected: Vec<Vec<u8>> = inputs.iter().cloned().map(flip).collect();
    for workers in [1, 2] {
        for chunksize in [1, 4] {
            let pool = Pool::new(workers)?;
            let got = pool.map_chunked(flip, inputs.clone(), chunksize)?;
            println!(
                "{workers} workers, chunksize {chunksize}: {}",
                if got == expected { "intact" } else { "WRONG" }
            );
            let big = pool.apply(flip, inputs[3].clone())?;
            println!("  apply: {}", big == expected[3]);
            let streamed = pool
                .imap(flip, inputs.clone(), chunksize)?
                .map(|(_, r)| r)
                .collect::<Result<Vec<_>>>()?;
            println!("  imap: {}", streamed == expected);
        }
    }
    Ok(())
}

/// The length of the input; an input of one byte 1 kills its worker.
fn len_or_die(input: Vec<u8>) -> usize {
    if input == [1] {
        let _ = nix::sys::signal::raise(nix::sys::signal::Signal::SIGKILL);
    }
    input.len()
}

/// One worker, which dies on its first task while the pool is still
/// sending it the next (8 MiB, more than any pipe or socket holds): the
/// pool sees a closed connection, not a SIGPIPE that kills it, and the
/// task goes to the replacement.
fn dies_mid_send() -> Result<()> {
    let mut inputs = vec![vec![1u8]];
    inputs.extend((0..3).map(|_| vec![0u8; 8 * MIB]));
    let pool = Pool::new(1)?;
    for (index, result) in pool.imap(len_or_die, inputs, 1)? {
        show("task", index, &result);
    }
    println!("after: {:?}", pool.map(len_or_die, vec![vec![2u8; 3]])?);
    Ok(())
}

fn sleep_ms(ms: u64) -> u64 {
    std::thread::sleep(Duration::from_millis(ms));
    ms
}

/// A thread waits in `get` on a 10 s task; `terminate` from the main thread
/// returns at once, and the waiter gets its error at once.
fn terminate_while_waiting() -> Result<()> {
    let pool = Pool::new(2)?;
    std::thread::scope(|scope| -> Result<()> {
        let waiter = scope.spawn(|| {
            let outcome = pool.apply_async(sleep_ms, 10_000).and_then(|r| r.get());
            (outcome, Instant::now())
        });
        std::thread::sleep(Duration::from_millis(200));
        let start = Instant::now();
        pool.terminate()?;
        let returned = Instant::now();
        println!(
            "terminate returned within 1 s: {}",
            returned - start < Duration::from_secs(1)
        );
        let (outcome, at) = waiter
            .join()
            .map_err(|_| Error::new("the waiting thread panicked"))?;
        match outcome {
            Ok(v) => println!("get: {v}"),
            Err(e) => println!("get: {e}"),
        }
        println!(
            "get returned within 1 s of terminate: {}",
            at.saturating_duration_since(start) < Duration::from_secs(1)
        );
        Ok(())
    })?;
    println!("workers left: {}", pool.worker_pids().len());
    Ok(())
}

/// A result that cannot be encoded when it holds 13.
#[derive(Debug, Deserialize)]
struct Picky(u32);

impl Serialize for Picky {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        if self.0 == 13 {
            return Err(serde::ser::Error::custom("13 is never sent"));
        }
        s.serialize_newtype_struct("Picky", &self.0)
    }
}

/// A result that cannot be decoded when it holds 13.
#[derive(Debug, Serialize)]
struct Touchy(u32);

impl<'de> Deserialize<'de> for Touchy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let value = u32::deserialize(d)?;
        if value == 13 {
            return Err(serde::de::Error::custom("13 is never taken"));
        }
        Ok(Touchy(value))
    }
}

fn picky(x: u32) -> Picky {
    Picky(x)
}

fn touchy(x: u32) -> Touchy {
    Touchy(x)
}

fn show<T: std::fmt::Debug>(what: &str, index: usize, result: &Result<T>) {
    match result {
        Ok(v) => println!("{what} {index}: {v:?}"),
        Err(e) => println!("{what} {index}: {e}"),
    }
}

/// Chunks of three where the second input's result cannot be encoded (or
/// decoded): that input fails, and every other gets its own result.
fn bad_results() -> Result<()> {
    let pool = Pool::new(2)?;
    let inputs = [12, 13, 14, 15, 16, 17];
    let good = pool.map_async(picky, [1, 2, 3], 1)?;
    good.wait()?;
    println!("successful without a failure: {}", good.successful()?);
    for (i, r) in pool
        .map_async(picky, inputs, 3)?
        .get_each()?
        .iter()
        .enumerate()
    {
        show("encode get_each", i, r);
    }
    for (i, r) in pool.imap(picky, inputs, 3)? {
        show("encode imap", i, &r);
    }
    for (i, r) in pool
        .map_async(touchy, inputs, 3)?
        .get_each()?
        .iter()
        .enumerate()
    {
        show("decode get_each", i, r);
    }
    for (i, r) in pool.imap_unordered(touchy, inputs, 3)? {
        show("decode imap_unordered", i, &r);
    }
    let bad = pool.map_async(picky, inputs, 3)?;
    bad.wait()?;
    println!("successful with one: {}", bad.successful()?);
    Ok(())
}

fn no_database(_: ()) {
    panic!("no database");
}

fn square(x: u64) -> u64 {
    x * x
}

/// An initializer that panics: `build` fails once, with its message.
fn initializer_fails() -> Result<()> {
    let start = Instant::now();
    match Pool::builder(2).initializer(no_database, ()).build() {
        Ok(pool) => println!("built; map: {:?}", pool.map(square, 0..4)),
        Err(e) => println!("build: {e}"),
    }
    println!("within 2 s: {}", start.elapsed() < Duration::from_secs(2));
    println!("children left: {}", common::active_children().len());
    Ok(())
}

fn poison_path() -> std::path::PathBuf {
    std::env::temp_dir().join("pool-probe-poison")
}

fn fails_when_poisoned(_: ()) {
    if poison_path().exists() {
        panic!("poisoned");
    }
}

/// Workers replaced after each chunk, whose initializer starts failing
/// midway: the pool reports it and stops replacing them.
fn replacement_initializer_fails() -> Result<()> {
    let pool = Pool::builder(2)
        .initializer(fails_when_poisoned, ())
        .max_tasks_per_child(1)
        .build()?;
    println!("first map: {:?}", pool.map_chunked(square, 0..4, 1)?);
    std::fs::write(poison_path(), b"")?;
    let outcome = pool.map_chunked(square, 0..20, 1);
    std::fs::remove_file(poison_path())?;
    match outcome {
        Ok(v) => println!("second map: {v:?}"),
        Err(e) => {
            let text = e.to_string();
            println!(
                "second map fails with the initializer's message: {}",
                text.contains("the pool's initializer failed: ") && text.ends_with("poisoned")
            );
        }
    }
    match pool.map(square, 0..2) {
        Ok(v) => println!("third map: {v:?}"),
        Err(e) => println!(
            "third map refused: {}",
            e.to_string().starts_with("the pool's initializer failed: ")
        ),
    }
    Ok(())
}

/// Python refuses `maxtasksperchild=0`; so do we, as a usage error.
fn max_tasks_zero() -> Result<()> {
    let pool = Pool::builder(2).max_tasks_per_child(0).build()?;
    println!("built: {:?}", pool.map(square, 0..4));
    Ok(())
}

fn my_pid(_: u64) -> i32 {
    std::process::id() as i32
}

/// Alive, not a zombie waiting to be reaped.
fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let close = stat.rfind(')')?;
            stat[close + 1..]
                .split_whitespace()
                .next()
                .map(str::to_owned)
        })
        .is_some_and(|state| state != "Z" && state != "X")
}

/// Replacement workers started by a thread that then ends must live on,
/// and the pool keeps working from the main thread.
fn thread_replacements() -> Result<()> {
    let pool = Pool::builder(2).max_tasks_per_child(1).build()?;
    let in_thread = std::thread::scope(|scope| {
        scope
            .spawn(|| -> Result<()> {
                // Each worker runs one chunk and exits ...
                pool.map_chunked(my_pid, 0..2, 1)?;
                std::thread::sleep(Duration::from_millis(300));
                // ... and waiting for anything makes this thread notice
                // and start their replacements.
                pool.map(square, 0..0)?;
                Ok(())
            })
            .join()
    });
    match in_thread {
        Ok(Ok(())) => println!("thread: ok"),
        Ok(Err(e)) => println!("thread: {e}"),
        Err(_) => println!("thread: panicked"),
    }
    std::thread::sleep(Duration::from_millis(300));
    if common::get_start_method() == StartMethod::Fork {
        // The thread could start no worker (fork is refused while a
        // process has threads): the main thread, alone again, does it as
        // soon as it waits for anything.
        pool.map(square, 0..0)?;
    }
    let pids = pool.worker_pids();
    println!(
        "workers alive after the thread ended: {}",
        pids.iter().all(|&pid| alive(pid))
    );
    println!("second map: {:?}", pool.map_chunked(square, 0..4, 1)?);
    Ok(())
}
