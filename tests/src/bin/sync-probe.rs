//! A test helper, not a recipe: the synchronisation primitives of `common`
//! when a process using them dies at the worst moment, and under races the
//! recipes do not provoke. One case per subcommand, `<case> <spawn|fork>`;
//! `tests/tests/sync_reliability.rs` runs them.

use common::{
    Array, Barrier, Condition, Event, Lock, Process, Result, Semaphore, Value, current_process,
};
use std::time::{Duration, Instant};

fn main() -> std::process::ExitCode {
    common::main(run)
}

fn run() -> Result<()> {
    match cookbook_tests::probe_case().as_str() {
        "event-killed-waiter" => event_killed_waiter(),
        "condition-killed-waiter" => condition_killed_waiter(),
        "barrier-killed-between-rounds" => barrier_killed(false),
        "barrier-killed-while-waiting" => barrier_killed(true),
        "owner-dies" => owner_dies(),
        "bounded-race" => bounded_race(),
        other => Err(common::Error::usage(format!("unknown case '{other}'"))),
    }
}

/// Long enough for a child that was started to be blocked where we want it.
const SETTLE: Duration = Duration::from_millis(300);

/// Starts a child and gives it time to block.
fn started(mut p: Process) -> Result<Process> {
    p.start()?;
    std::thread::sleep(SETTLE);
    Ok(p)
}

/// SIGKILLs a child and reaps it.
fn kill(mut p: Process) -> Result<()> {
    p.kill()?;
    p.join()
}

/// Joins a child that should end within a second, saying whether it did;
/// one that did not is killed, so the run still ends.
fn joined_within_a_second(p: &mut Process) -> Result<bool> {
    p.join_timeout(Duration::from_secs(1))?;
    let ended = !p.is_alive();
    if !ended {
        p.kill()?;
        p.join()?;
    }
    Ok(ended)
}

fn wait_for_event(event: Event) -> Result<()> {
    event.wait(None)?;
    Ok(())
}

/// A waiter SIGKILLed inside `Event::wait`, then set/clear/set with a
/// second waiter: the second must wake, and `set` must not block.
fn event_killed_waiter() -> Result<()> {
    let event = Event::new()?;
    kill(started(Process::with_args(wait_for_event, event.clone()))?)?;
    event.set()?;
    event.clear()?;
    let mut second = started(Process::with_args(wait_for_event, event.clone()))?;
    event.set()?;
    println!(
        "second waiter woke: {}",
        joined_within_a_second(&mut second)?
    );
    println!("second waiter exit code: {:?}", second.exitcode());
    Ok(())
}

/// Waits on the condition until `go` reaches `target`.
fn wait_for_go((condition, go, target): (Condition, Value<u32>, u32)) -> Result<()> {
    let mut guard = condition.acquire()?;
    while go.get()? < target {
        guard.wait(None)?;
    }
    Ok(())
}

/// A waiter SIGKILLed inside `ConditionGuard::wait`; then `notify` with one
/// waiter, and `notify_all` with two: each must wake.
fn condition_killed_waiter() -> Result<()> {
    let condition = Condition::new()?;
    let go = Value::new(0u32)?;
    let waiter = |target| Process::with_args(wait_for_go, (condition.clone(), go.clone(), target));
    kill(started(waiter(1))?)?;

    let mut one = started(waiter(1))?;
    {
        let guard = condition.acquire()?;
        go.set(1)?;
        guard.notify();
    }
    println!(
        "notify woke the waiter: {}",
        joined_within_a_second(&mut one)?
    );

    let mut two = waiter(2);
    two.start()?;
    let mut three = started(waiter(2))?;
    {
        let guard = condition.acquire()?;
        go.set(2)?;
        guard.notify_all();
    }
    let (a, b) = (
        joined_within_a_second(&mut two)?,
        joined_within_a_second(&mut three)?,
    );
    println!("notify_all woke both waiters: {}", a && b);
    Ok(())
}

/// A party that goes round the barrier until it is broken, printing what
/// stopped it; with `once`, it passes once, says so, and sleeps (it stays a
/// party, but does not come back).
fn go_round((barrier, once, passed): (Barrier, bool, Event)) -> Result<()> {
    let name = current_process().name;
    loop {
        if let Err(e) = barrier.wait(None) {
            println!("{name}: {e}");
            return Ok(());
        }
        if once {
            passed.set()?;
            common::sleep(1000.0);
        }
    }
}

/// A child that waits at the barrier once, counting itself in `arrived`
/// just before.
fn wait_once((barrier, arrived): (Barrier, Value<u32>)) -> Result<()> {
    let name = current_process().name;
    *arrived.lock()? += 1;
    match barrier.wait(None) {
        Ok(i) => println!("{name}: passed as {i}"),
        Err(e) => println!("{name}: {e}"),
    }
    Ok(())
}

/// Three parties. Between rounds: two go round and round, the third passes
/// once, sleeps, and is killed. While waiting: one party waits, the second
/// is killed waiting, the third comes late. Either way the living parties
/// are told the barrier is broken, promptly, instead of waiting for ever.
fn barrier_killed(while_waiting: bool) -> Result<()> {
    let barrier = Barrier::new(3)?;
    let arrived = Value::new(0u32)?;
    let passed = Event::new()?;
    let waiter = || Process::with_args(wait_once, (barrier.clone(), arrived.clone()));
    let rounder = |once| Process::with_args(go_round, (barrier.clone(), once, passed.clone()));
    let (mut survivors, mut victim) = if while_waiting {
        (vec![waiter()], waiter())
    } else {
        (vec![rounder(false), rounder(false)], rounder(true))
    };
    for p in &mut survivors {
        p.start()?;
    }
    victim.start()?;
    // Kill the victim once it is a party: waiting, or past its first round.
    let ready = Instant::now() + Duration::from_secs(10);
    if while_waiting {
        while arrived.get()? < 2 && Instant::now() < ready {
            std::thread::sleep(Duration::from_millis(10));
        }
        std::thread::sleep(SETTLE);
    } else {
        passed.wait(Some(Duration::from_secs(10)))?;
    }
    // Killed, and on purpose not reaped yet: a zombie is dead too.
    victim.kill()?;
    let killed_at = Instant::now();
    // SIGKILL takes a moment to end a process: a party that arrived before
    // then would find the barrier complete, the victim having arrived.
    if let Some(pid) = victim.pid() {
        while !is_zombie(pid) && killed_at.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    if while_waiting {
        survivors.push(started(waiter())?);
    }
    let mut told = true;
    for p in &mut survivors {
        p.join_timeout(Duration::from_secs(3))?;
        told &= !p.is_alive();
        if p.is_alive() {
            p.kill()?;
            p.join()?;
        }
    }
    victim.join()?;
    println!(
        "survivors told within 3 s: {told}{}",
        if killed_at.elapsed() < Duration::from_secs(2) {
            " (promptly)"
        } else {
            ""
        }
    );
    println!("barrier broken for later: {}", barrier.wait(None).is_err());
    Ok(())
}

/// Whether our child `pid` has ended (and is not reaped yet).
fn is_zombie(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let after = stat.get(stat.rfind(')')? + 1..)?;
            after.split_whitespace().next().map(|state| state == "Z")
        })
        .unwrap_or(true)
}

/// Takes the locks, writes half of the array and raises `half`; then waits
/// to be killed, holding everything.
fn write_half((array, value, lock, half): (Array<u32>, Value<u32>, Lock, Event)) -> Result<()> {
    let mut items = array.lock()?;
    let _value = value.lock()?;
    let _lock = lock.acquire()?;
    for item in &mut items[..4] {
        *item = 1;
    }
    half.set()?;
    common::sleep(1000.0);
    Ok(())
}

/// A child is killed half-way through writing an `Array` (and holding a
/// `Value`'s lock and a `Lock`): the next taker of each is told, once; the
/// one after takes it normally.
fn owner_dies() -> Result<()> {
    let array = Array::new(&[0u32; 8])?;
    let value = Value::new(0u32)?;
    let lock = Lock::new()?;
    let half = Event::new()?;
    let mut child = Process::with_args(
        write_half,
        (array.clone(), value.clone(), lock.clone(), half.clone()),
    );
    child.start()?;
    if !half.wait(Some(Duration::from_secs(5)))? {
        return Err(common::Error::new("the child never wrote its half"));
    }
    kill(child)?;
    let said = |r: Result<String>| match r {
        Ok(s) => format!("ok {s}"),
        Err(e) if e.is_owner_died() => format!("owner died ({e})"),
        Err(e) => format!("error {e}"),
    };
    println!(
        "array, first:  {}",
        said(array.lock().map(|a| format!("{:?}", &a[..])))
    );
    println!(
        "array, second: {}",
        said(array.lock().map(|a| format!("{:?}", &a[..])))
    );
    println!(
        "value, first:  {}",
        said(value.get().map(|v| v.to_string()))
    );
    println!(
        "value, second: {}",
        said(value.get().map(|v| v.to_string()))
    );
    println!(
        "lock, first:   {}",
        said(lock.acquire().map(|_| "taken".into()))
    );
    println!(
        "lock, second:  {}",
        said(lock.acquire().map(|_| "taken".into()))
    );
    Ok(())
}

/// Takes one, gives it back, then gives back one more: that last release is
/// legitimate only while the other process holds one. Returns the largest
/// value seen just after a release.
fn release_race(sem: Semaphore) -> Result<()> {
    let mut highest = 0;
    for _ in 0..20_000 {
        sem.acquire()?;
        for _ in 0..2 {
            if sem.release().is_ok() {
                highest = highest.max(sem.value());
            }
        }
    }
    println!("highest value seen: {highest}");
    Ok(())
}

/// Two processes releasing a bounded semaphore concurrently, at and around
/// its bound: the value must never go above it.
fn bounded_race() -> Result<()> {
    let sem = Semaphore::bounded(2)?;
    let mut children: Vec<Process> = (0..2)
        .map(|_| Process::with_args(release_race, sem.clone()))
        .collect();
    for p in &mut children {
        p.start()?;
    }
    for p in &mut children {
        p.join()?;
    }
    println!("final value: {} (bound 2)", sem.value());
    Ok(())
}
