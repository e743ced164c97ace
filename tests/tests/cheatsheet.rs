//! The multiprocessing cheat sheet's Rust column, compiled: each call is
//! written here as the sheet writes it, so a renamed method or a changed
//! signature breaks this build before it misleads a reader. (Nothing here
//! runs: starting processes from the test harness's threads is unsound,
//! and the recipes' own tests run every one of these calls.)

#![allow(dead_code)]

use common::{
    Barrier, Lock, Manager, Pool, Process, Queue, Run, StartMethod, Value, current_process, pipe,
    set_start_method,
};
use serde::{Deserialize, Serialize};

/// A process's target returns nothing or a `Result` (its exit code).
fn target(_x: u64) {}

/// A pool's function returns a value.
fn f(x: u64) -> u64 {
    x * x
}

#[derive(Serialize, Deserialize)]
struct P;

impl Run for P {
    fn run(&self) -> common::Result<()> {
        Ok(())
    }
}

fn every_row(x: u64, xs: Vec<u64>, n: u32) -> common::Result<()> {
    let mut p = Process::with_args(target, x);
    p.start()?;
    p.join()?;
    let _named = Process::with_args(target, x).name("n").daemon(true);
    let _me = current_process().name;
    p.terminate()?;
    let _alive: bool = p.is_alive();
    let _code: Option<i32> = p.exitcode();
    let _sub = Process::from_run(P);
    set_start_method(StartMethod::Fork);

    let q = Queue::new()?;
    q.put(&x)?;
    let _got: u64 = q.get()?;

    let (a, b) = pipe(true)?;
    a.send(&x)?;
    match b.recv::<u64>() {
        Err(e) if e.is_eof() => {}
        _ => {}
    }

    let lock = Lock::new()?;
    let _held = lock.acquire()?;
    let barrier = Barrier::new(n)?;
    barrier.wait(None)?;
    let v = Value::new(0_i64)?;
    *v.lock()? += 1;

    let m = Manager::start()?;
    let d = m.dict::<String, i64>()?;
    let k = "k".to_string();
    d.set(&k, &1)?;
    let lock = m.lock()?;
    {
        let _held = lock.acquire()?;
        let seen = d.get_item(&k)?;
        d.set(&k, &(seen + 1))?;
    }

    let pool = Pool::new(4)?;
    let _squares: Vec<u64> = pool.map(f, xs)?;
    pool.close();
    pool.join()?;
    Ok(())
}

#[test]
fn the_cheat_sheet_compiles() {
    // The function above type-checks, or this file does not build.
    let _ = every_row as fn(u64, Vec<u64>, u32) -> common::Result<()>;
}
