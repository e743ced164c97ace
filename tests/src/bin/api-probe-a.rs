//! A test helper, not a recipe: the parts of Python's `multiprocessing` API
//! that `common` added for line-by-line ports (bounded, joinable and simple
//! queues; `locked`, `try_acquire`; `notify(n)`, `wait_for`; a barrier's
//! `reset`, `n_waiting`, `broken`, action and default timeout; raw shared
//! values), each across real processes. One case per subcommand,
//! `<case> <spawn|fork>`; `tests/tests/api_queue_sync.rs` runs them and
//! checks what they print.

use common::{
    Array, Barrier, Condition, Error, Event, JoinableQueue, Lock, Process, Queue, RLock, RawArray,
    RawValue, Result, SimpleQueue, Value, current_process,
};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

fn main() -> std::process::ExitCode {
    common::main(run)
}

fn run() -> Result<()> {
    match cookbook_tests::probe_case().as_str() {
        "queue-bounded" => queue_bounded(),
        "queue-bounded-killed-putter" => queue_bounded_killed_putter(),
        "queue-nowait-close" => queue_nowait_close(),
        "queue-cancel-join-thread" => queue_cancel_join_thread(),
        "joinable" => joinable(),
        "simple" => simple(),
        "lock-locked" => lock_locked(),
        "condition-notify-n" => condition_notify_n(),
        "condition-wait-for" => condition_wait_for(),
        "barrier-abort-reset" => barrier_abort_reset(),
        "barrier-action" => barrier_action(),
        "barrier-timeout" => barrier_timeout(),
        "raw-values" => raw_values(),
        other => Err(Error::usage(format!("unknown case '{other}'"))),
    }
}

/// Long enough for a child that was started to be blocked where we want it.
const SETTLE: Duration = Duration::from_millis(300);

/// How an outcome reads in the output: `ok <value>` or `<Kind>: <message>`.
fn said<T: std::fmt::Debug>(r: &Result<T>) -> String {
    match r {
        Ok(v) => format!("ok {v:?}"),
        Err(e) => format!("{:?}: {e}", e.kind()),
    }
}

/// Whether a wait of `wanted` (under a second) took as long as it should:
/// at least that, less 10 ms for clock granularity, and less than 3 s (a
/// generous bound, for a loaded machine).
fn timed(elapsed: Duration, wanted: Duration) -> bool {
    elapsed + Duration::from_millis(10) >= wanted && elapsed < Duration::from_secs(3)
}

/// Whether something said to return at once did (it did not wait).
fn prompt(elapsed: Duration) -> bool {
    elapsed < Duration::from_millis(200)
}

fn start(mut p: Process) -> Result<Process> {
    p.start()?;
    Ok(p)
}

/// Polls `what` until true, at most 5 s; whether it became true.
fn eventually(mut what: impl FnMut() -> Result<bool>) -> Result<bool> {
    let until = Instant::now() + Duration::from_secs(5);
    while Instant::now() < until {
        if what()? {
            return Ok(true);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok(false)
}

/// Joins a child that should end within `within`, saying whether it did;
/// one that did not is killed, so the run still ends.
fn ended_within(p: &mut Process, within: Duration) -> Result<bool> {
    p.join_timeout(within)?;
    let ended = !p.is_alive();
    if !ended {
        p.kill()?;
        p.join()?;
    }
    Ok(ended)
}

// ---------------------------------------------------------------------------
// Queue: maxsize, put_timeout, put_nowait, full.

/// Puts `first..first + 5` on a bounded queue.
fn produce((q, first): (Queue<u32>, u32)) -> Result<()> {
    for n in first..first + 5 {
        q.put(&n)?;
    }
    Ok(())
}

/// Sleeps, then takes one item and says which.
fn take_one_later(q: Queue<u32>) -> Result<()> {
    std::thread::sleep(Duration::from_millis(400));
    println!("child got {}", q.get()?);
    Ok(())
}

/// A bounded queue: full, put_nowait and put_timeout fail with Full and
/// leave it as it was; put waits until a consumer (another process) makes
/// room; producers in two processes never take it above its bound and
/// keep their order.
fn queue_bounded() -> Result<()> {
    println!(
        "maxsize 0: {}",
        said(&Queue::<u32>::with_maxsize(0).map(|_| ()))
    );
    let q = Queue::<u32>::with_maxsize(2)?;
    println!("maxsize: {:?}", q.maxsize());
    q.put(&1)?;
    println!("full after 1: {}", q.full());
    q.put(&2)?;
    println!("full after 2: {}", q.full());
    let t = Instant::now();
    let r = q.put_nowait(&3);
    println!("put_nowait: {} (prompt: {})", said(&r), prompt(t.elapsed()));
    let t = Instant::now();
    let r = q.put_timeout(&3, SETTLE);
    println!(
        "put_timeout 300 ms: {} (timed: {})",
        said(&r),
        timed(t.elapsed(), SETTLE)
    );
    println!("qsize after the failures: {}", q.qsize());

    let mut child = start(Process::with_args(take_one_later, q.clone()))?;
    let t = Instant::now();
    q.put(&3)?;
    let waited = t.elapsed();
    child.join()?;
    println!(
        "put waited for the consumer: {}",
        waited >= Duration::from_millis(350)
    );
    println!("rest: {:?}", [q.get()?, q.get()?]);
    println!("empty: {}, full: {}", q.empty(), q.full());

    let mut producers = vec![
        start(Process::with_args(produce, (q.clone(), 100)))?,
        start(Process::with_args(produce, (q.clone(), 200)))?,
    ];
    let (mut got, mut most) = (Vec::new(), 0);
    for _ in 0..10 {
        std::thread::sleep(Duration::from_millis(20));
        most = most.max(q.qsize());
        got.push(q.get_timeout(Duration::from_secs(5))?);
    }
    for p in &mut producers {
        p.join()?;
    }
    let from = |base: u32| -> Vec<u32> {
        got.iter()
            .copied()
            .filter(|n| (base..base + 5).contains(n))
            .collect()
    };
    println!("most items seen on it: {most}");
    println!("from the first: {:?}", from(100));
    println!("from the second: {:?}", from(200));
    Ok(())
}

fn put_one(q: Queue<u32>) -> Result<()> {
    q.put(&99)
}

/// A putter SIGKILLed while it waits for room on a full queue takes no
/// lock and no room with it: getting and putting go on.
fn queue_bounded_killed_putter() -> Result<()> {
    let q = Queue::<u32>::with_maxsize(1)?;
    q.put(&1)?;
    let mut putter = start(Process::with_args(put_one, q.clone()))?;
    std::thread::sleep(SETTLE);
    putter.kill()?;
    putter.join()?;
    println!("get: {}", said(&q.get_timeout(Duration::from_secs(2))));
    println!("put: {}", said(&q.put_timeout(&2, Duration::from_secs(2))));
    println!("full: {}", q.full());
    println!("get: {}", said(&q.get_timeout(Duration::from_secs(2))));
    Ok(())
}

// ---------------------------------------------------------------------------
// Queue: get_nowait, close, join_thread.

/// Puts three items, then closes its handle and waits for its feeder, as a
/// Python producer ends.
fn put_close_join(q: Queue<u32>) -> Result<()> {
    for n in [7, 8, 9] {
        q.put(&n)?;
    }
    q.close();
    println!("child put after close: {}", said(&q.put(&10)));
    q.join_thread();
    Ok(())
}

fn queue_nowait_close() -> Result<()> {
    let q = Queue::<u32>::new()?;
    let t = Instant::now();
    let r = q.get_nowait();
    println!(
        "get_nowait on empty: {} (prompt: {})",
        said(&r),
        prompt(t.elapsed())
    );
    println!("try_get on empty: {}", said(&q.try_get()));
    let mut child = start(Process::with_args(put_close_join, q.clone()))?;
    child.join()?;
    // The child's join_thread returned once its items were all in the
    // socket: they are there now, to be taken without waiting.
    let got: Vec<String> = (0..3).map(|_| said(&q.get_nowait())).collect();
    println!("get_nowait after the child: {got:?}");
    println!("get_nowait once more: {}", said(&q.get_nowait()));

    let other = q.clone();
    q.put(&1)?;
    q.close();
    q.join_thread();
    println!("put after close: {}", said(&q.put(&2)));
    println!(
        "get after close, other handle: {}",
        said(&other.get_nowait())
    );
    let fresh = Queue::<u32>::new()?;
    fresh.put(&5)?;
    println!("another queue still works: {}", said(&fresh.get_nowait()));
    Ok(())
}

// ---------------------------------------------------------------------------
// Queue: cancel_join_thread.

/// More items, and bigger, than a socket holds (its send buffer of 8 MiB
/// holds about 500 of these).
const FLOOD: usize = 2000;
const ITEM: usize = 12 << 10;

/// Puts more than the queue's socket holds (the rest waits in the feeder),
/// then, if `cancel`, lets the process end without waiting for it.
fn flood((q, cancel): (Queue<Vec<u8>>, bool)) -> Result<()> {
    for i in 0..FLOOD {
        q.put(&vec![i as u8; ITEM])?;
    }
    if cancel {
        q.cancel_join_thread();
    }
    Ok(())
}

fn queue_cancel_join_thread() -> Result<()> {
    let cancelled = Queue::<Vec<u8>>::new()?;
    let mut a = start(Process::with_args(flood, (cancelled.clone(), true)))?;
    println!(
        "cancelled child ended within 3 s, nothing read: {}",
        ended_within(&mut a, Duration::from_secs(3))?
    );
    println!("its first item still arrives: {}", {
        let item = cancelled.get_timeout(Duration::from_secs(2))?;
        item.len() == ITEM && item[0] == 0
    });

    let waiting = Queue::<Vec<u8>>::new()?;
    let mut b = start(Process::with_args(flood, (waiting.clone(), false)))?;
    b.join_timeout(Duration::from_secs(1))?;
    println!(
        "child that did not cancel still alive after 1 s: {}",
        b.is_alive()
    );
    let mut in_order = true;
    for i in 0..FLOOD {
        let item = waiting.get_timeout(Duration::from_secs(5))?;
        in_order &= item.len() == ITEM && item[0] == i as u8;
    }
    println!(
        "all {FLOOD} of its items, in order: {in_order}; then it ended: {}",
        ended_within(&mut b, Duration::from_secs(3))?
    );
    Ok(())
}

// ---------------------------------------------------------------------------
// JoinableQueue.

/// Takes tasks until `None`, spending 50 ms on each, counting it in `done`
/// before saying it is done.
fn worker((q, done): (JoinableQueue<Option<u32>>, Value<u32>)) -> Result<()> {
    while let Some(_task) = q.get()? {
        std::thread::sleep(Duration::from_millis(50));
        *done.lock()? += 1;
        q.task_done()?;
    }
    q.task_done()
}

fn joinable() -> Result<()> {
    let q = JoinableQueue::<Option<u32>>::new()?;
    let t = Instant::now();
    q.join()?;
    println!("join with nothing put: prompt: {}", prompt(t.elapsed()));
    let r = q.task_done();
    println!("task_done with nothing put: {}", said(&r));

    let done = Value::new(0u32)?;
    let mut workers = vec![
        start(Process::with_args(worker, (q.clone(), done.clone())))?,
        start(Process::with_args(worker, (q.clone(), done.clone())))?,
    ];
    let t = Instant::now();
    for n in 0..10 {
        q.put(&Some(n))?;
    }
    q.join()?;
    // Ten tasks of 50 ms on two workers: 250 ms at the very least.
    println!(
        "join returned after every task was done: {} (done {}, waited: {})",
        done.get()? == 10,
        done.get()?,
        t.elapsed() >= Duration::from_millis(240)
    );
    println!("qsize after join: {}", q.qsize());
    let r = q.task_done();
    println!("one task_done too many: {}", said(&r));

    // Still usable: another round, then stop the workers.
    q.put(&Some(10))?;
    q.join()?;
    println!("second round done: {}", done.get()?);
    q.put(&None)?;
    q.put(&None)?;
    q.join()?;
    for w in &mut workers {
        w.join()?;
        println!("worker exit code: {:?}", w.exitcode());
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// SimpleQueue.

/// Puts more than the socket holds: with no feeder thread, `put` itself
/// waits until the reader makes room.
fn simple_flood(q: SimpleQueue<Vec<u8>>) -> Result<()> {
    for i in 0..FLOOD {
        q.put(&vec![i as u8; ITEM])?;
    }
    println!("child: all put");
    Ok(())
}

fn simple() -> Result<()> {
    let q = SimpleQueue::<Vec<u8>>::new()?;
    println!("empty at first: {}", q.empty());
    let mut child = start(Process::with_args(simple_flood, q.clone()))?;
    child.join_timeout(Duration::from_secs(1))?;
    println!("putter blocked while nobody reads: {}", child.is_alive());
    println!("empty while it waits: {}", q.empty());
    let mut in_order = true;
    for i in 0..FLOOD {
        let item = q.get()?;
        in_order &= item.len() == ITEM && item[0] == i as u8;
    }
    println!(
        "got all {FLOOD} in order: {in_order}; putter ended: {}",
        ended_within(&mut child, Duration::from_secs(3))?
    );
    println!("empty at the end: {}", q.empty());
    q.put(&vec![1])?;
    println!("empty with one: {}", q.empty());
    println!("get: {}", said(&q.get()));
    q.close();
    println!("put after close: {}", said(&q.put(&vec![2])));
    Ok(())
}

// ---------------------------------------------------------------------------
// Lock and RLock: locked, try_acquire, acquire_timeout.

/// Takes the lock, says so, holds it 600 ms (or until killed, with `stay`).
fn hold((lock, held, stay): (Lock, Event, bool)) -> Result<()> {
    let _guard = lock.acquire()?;
    held.set()?;
    if stay {
        common::sleep(1000.0);
    }
    std::thread::sleep(Duration::from_millis(600));
    Ok(())
}

fn hold_r((lock, held): (RLock, Event)) -> Result<()> {
    let _a = lock.acquire()?;
    let _b = lock.acquire()?;
    held.set()?;
    std::thread::sleep(Duration::from_millis(600));
    Ok(())
}

fn lock_locked() -> Result<()> {
    let lock = Lock::new()?;
    println!("lock: locked when new: {}", lock.locked());
    let held = Event::new()?;
    let mut child = start(Process::with_args(
        hold,
        (lock.clone(), held.clone(), false),
    ))?;
    held.wait(Some(Duration::from_secs(5)))?;
    println!("lock: locked while a child holds it: {}", lock.locked());
    let t = Instant::now();
    let r = lock.try_acquire().map(|g| g.is_some());
    println!(
        "lock: try_acquire: {} (prompt: {})",
        said(&r),
        prompt(t.elapsed())
    );
    let t = Instant::now();
    let r = lock.acquire_timeout(SETTLE).map(|g| g.is_some());
    println!(
        "lock: acquire_timeout 300 ms: {} (timed: {})",
        said(&r),
        timed(t.elapsed(), SETTLE)
    );
    child.join()?;
    {
        let guard = lock.try_acquire()?;
        println!(
            "lock: try_acquire once free: {}, locked: {}",
            guard.is_some(),
            lock.locked()
        );
    }
    println!("lock: locked after release: {}", lock.locked());

    // A holder killed: reads as held (Python's would stay held for ever),
    // until the next taker is told.
    held.clear()?;
    let mut child = start(Process::with_args(hold, (lock.clone(), held.clone(), true)))?;
    held.wait(Some(Duration::from_secs(5)))?;
    child.kill()?;
    child.join()?;
    println!("lock: locked after its holder died: {}", lock.locked());
    let r = lock.try_acquire().map(|g| g.is_some());
    println!(
        "lock: try_acquire then: {}",
        said(&r).split(':').next().unwrap_or("")
    );
    println!("lock: locked after that: {}", lock.locked());
    let r = lock.try_acquire().map(|g| g.is_some());
    println!("lock: try_acquire after that: {}", said(&r));

    let rlock = RLock::new()?;
    {
        let _a = rlock.acquire()?;
        let b = rlock.try_acquire()?;
        println!(
            "rlock: taken twice by its holder: {}, locked: {}",
            b.is_some(),
            rlock.locked()
        );
        drop(b);
        println!("rlock: locked after one release: {}", rlock.locked());
    }
    println!("rlock: locked after both: {}", rlock.locked());
    held.clear()?;
    let mut child = start(Process::with_args(hold_r, (rlock.clone(), held.clone())))?;
    held.wait(Some(Duration::from_secs(5)))?;
    println!("rlock: locked while a child holds it: {}", rlock.locked());
    let r = rlock.try_acquire().map(|g| g.is_some());
    println!("rlock: try_acquire: {}", said(&r));
    let t = Instant::now();
    let r = rlock.acquire_timeout(SETTLE).map(|g| g.is_some());
    println!(
        "rlock: acquire_timeout 300 ms: {} (timed: {})",
        said(&r),
        timed(t.elapsed(), SETTLE)
    );
    child.join()?;
    println!("rlock: locked after the child: {}", rlock.locked());
    Ok(())
}

// ---------------------------------------------------------------------------
// Condition: notify(n), wait_for.

/// Waits once for a notification, counting itself in `ready` first (under
/// the lock, so the parent knows it is about to wait) and in `woke` after.
fn wait_once((cond, ready, woke): (Condition, Value<u32>, Value<u32>)) -> Result<()> {
    let mut guard = cond.acquire()?;
    *ready.lock()? += 1;
    guard.wait(Some(Duration::from_secs(10)))?;
    *woke.lock()? += 1;
    Ok(())
}

fn condition_notify_n() -> Result<()> {
    let cond = Condition::new()?;
    let (ready, woke) = (Value::new(0u32)?, Value::new(0u32)?);
    let mut waiters = Vec::new();
    for _ in 0..3 {
        waiters.push(start(Process::with_args(
            wait_once,
            (cond.clone(), ready.clone(), woke.clone()),
        ))?);
    }
    eventually(|| Ok(ready.get()? == 3))?;
    // Each counted itself holding the lock, and released it only by
    // waiting: taking it here means all three are waiting (or about to).
    drop(cond.acquire()?);
    std::thread::sleep(SETTLE);
    cond.acquire()?.notify_n(0);
    std::thread::sleep(SETTLE);
    println!("woken by notify(0): {}", woke.get()?);
    cond.acquire()?.notify_n(2);
    eventually(|| Ok(woke.get()? >= 2))?;
    std::thread::sleep(SETTLE);
    println!("woken by notify(2): {}", woke.get()?);
    cond.acquire()?.notify_all();
    eventually(|| Ok(woke.get()? >= 3))?;
    for w in &mut waiters {
        w.join()?;
    }
    println!("woken after notify_all: {}", woke.get()?);
    Ok(())
}

/// Notifies every 50 ms for `ms`, without changing anything.
fn nag((cond, ms): (Condition, u64)) -> Result<()> {
    let until = Instant::now() + Duration::from_millis(ms);
    while Instant::now() < until {
        cond.acquire()?.notify_all();
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

/// Sets `flag` to 1 after 300 ms, and notifies.
fn set_later((cond, flag): (Condition, Value<u32>)) -> Result<()> {
    std::thread::sleep(SETTLE);
    let guard = cond.acquire()?;
    flag.set(1)?;
    guard.notify_all();
    Ok(())
}

fn condition_wait_for() -> Result<()> {
    let cond = Condition::new()?;
    let flag = Value::new(0u32)?;
    let mut calls = 0;
    let t = Instant::now();
    let r = cond.acquire()?.wait_for(
        || {
            calls += 1;
            Ok(true)
        },
        Some(Duration::from_secs(5)),
    );
    println!(
        "already true: {} after {calls} check(s) (prompt: {})",
        said(&r),
        prompt(t.elapsed())
    );

    // Woken every 50 ms, never true: the timeout is for the whole wait.
    let mut nagger = start(Process::with_args(nag, (cond.clone(), 1500)))?;
    let mut calls = 0;
    let t = Instant::now();
    let r = cond.acquire()?.wait_for(
        || {
            calls += 1;
            Ok(flag.get()? == 1)
        },
        Some(SETTLE),
    );
    println!(
        "never true, 300 ms: {} (timed: {}, checked again after wake-ups: {})",
        said(&r),
        timed(t.elapsed(), SETTLE),
        calls > 2
    );
    nagger.join()?;

    let mut setter = start(Process::with_args(set_later, (cond.clone(), flag.clone())))?;
    let t = Instant::now();
    let r = cond
        .acquire()?
        .wait_for(|| Ok(flag.get()? == 1), Some(Duration::from_secs(10)));
    println!(
        "made true by another process: {} (after it did: {})",
        said(&r),
        timed(t.elapsed(), Duration::from_millis(250))
    );
    setter.join()?;

    let t = Instant::now();
    let r = cond
        .acquire()?
        .wait_for(|| Err(Error::new("predicate failed")), None);
    println!(
        "a failing predicate: {} (prompt: {})",
        said(&r),
        prompt(t.elapsed())
    );
    println!("lock free afterwards: {}", cond.acquire().is_ok());
    Ok(())
}

// ---------------------------------------------------------------------------
// Barrier: n_waiting, broken, abort, reset.

/// Waits at the barrier and says how it went, as `<name>: <outcome>`; with
/// `again`, waits a second time after a failure.
fn party((barrier, again): (Barrier, bool)) -> Result<()> {
    let name = current_process().name;
    let r = barrier.wait(Some(Duration::from_secs(10)));
    println!("{name}: {}", said(&r));
    if again && r.is_err() {
        let r = barrier.wait(Some(Duration::from_secs(10)));
        println!("{name} again: {}", said(&r).starts_with("ok"));
    }
    Ok(())
}

fn barrier_abort_reset() -> Result<()> {
    println!("Barrier::new(0): {}", said(&Barrier::new(0).map(|_| ())));
    let barrier = Barrier::new(3)?;
    println!(
        "n_waiting {}, broken {}, parties {}",
        barrier.n_waiting()?,
        barrier.broken()?,
        barrier.parties()
    );
    let mut a = start(Process::with_args(party, (barrier.clone(), false)))?;
    let mut b = start(Process::with_args(party, (barrier.clone(), false)))?;
    println!(
        "two children waiting: {}",
        eventually(|| Ok(barrier.n_waiting()? == 2))?
    );
    println!("broken while they wait: {}", barrier.broken()?);
    barrier.abort()?;
    let told = ended_within(&mut a, Duration::from_secs(3))?
        && ended_within(&mut b, Duration::from_secs(3))?;
    println!("waiters told of the abort: {told}");
    println!(
        "after abort: broken {}, n_waiting {}",
        barrier.broken()?,
        barrier.n_waiting()?
    );
    let t = Instant::now();
    let r = barrier.wait(Some(Duration::from_secs(5)));
    println!(
        "wait after abort: {} (prompt: {})",
        said(&r),
        prompt(t.elapsed())
    );

    barrier.reset()?;
    println!("after reset: broken {}", barrier.broken()?);
    let mut c = start(Process::with_args(party, (barrier.clone(), true)))?;
    let mut d = start(Process::with_args(party, (barrier.clone(), true)))?;
    eventually(|| Ok(barrier.n_waiting()? == 2))?;
    // Reset while two wait: they fail, and wait again on the fresh barrier.
    barrier.reset()?;
    std::thread::sleep(SETTLE);
    println!(
        "waiting again after reset: {}",
        eventually(|| Ok(barrier.n_waiting()? == 2))?
    );
    let r = barrier.wait(Some(Duration::from_secs(5)));
    println!("main passes with them: {}", said(&r).starts_with("ok"));
    c.join()?;
    d.join()?;
    println!("broken at the end: {}", barrier.broken()?);
    Ok(())
}

// ---------------------------------------------------------------------------
// Barrier: action.

/// What the action counts in, one per process (set before waiting).
static ACTIONS: OnceLock<Value<u32>> = OnceLock::new();

fn count_action() {
    let actions = ACTIONS.get().expect("set before waiting");
    *actions.lock().expect("the count's lock") += 1;
    println!("action ran in {}", current_process().name);
}

fn panicking_action() {
    panic!("the action fails");
}

/// Two rounds at the barrier, sleeping `delays[i]` ms before round `i`;
/// after each, says how many times the action had run.
fn action_party((barrier, actions, delays): (Barrier, Value<u32>, [u64; 2])) -> Result<()> {
    let _ = ACTIONS.set(actions.clone());
    let name = current_process().name;
    for (round, delay) in delays.iter().enumerate() {
        std::thread::sleep(Duration::from_millis(*delay));
        barrier.wait(Some(Duration::from_secs(10)))?;
        println!(
            "{name}: round {} saw {} action(s)",
            round + 1,
            actions.get()?
        );
    }
    Ok(())
}

fn panic_party(barrier: Barrier) -> Result<()> {
    let r = barrier.wait(Some(Duration::from_secs(10)));
    println!("child: {}", said(&r));
    Ok(())
}

fn barrier_action() -> Result<()> {
    let barrier = Barrier::with_action(3, count_action)?;
    let actions = Value::new(0u32)?;
    let _ = ACTIONS.set(actions.clone());
    // Round 1: the parent arrives last; round 2: the second child does.
    let mut a = start(Process::with_args(
        action_party,
        (barrier.clone(), actions.clone(), [0, 0]),
    ))?;
    let mut b = start(Process::with_args(
        action_party,
        (barrier.clone(), actions.clone(), [0, 600]),
    ))?;
    eventually(|| Ok(barrier.n_waiting()? == 2))?;
    std::thread::sleep(Duration::from_millis(100));
    action_party((barrier.clone(), actions.clone(), [0, 0]))?;
    a.join()?;
    b.join()?;
    println!("actions in all: {}", actions.get()?);

    let barrier = Barrier::with_action(2, panicking_action)?;
    let mut c = start(Process::with_args(panic_party, barrier.clone()))?;
    eventually(|| Ok(barrier.n_waiting()? == 1))?;
    let r = barrier.wait(Some(Duration::from_secs(5)));
    c.join()?;
    println!("main, last to arrive: {}", said(&r));
    println!("broken after the panic: {}", barrier.broken()?);
    Ok(())
}

// ---------------------------------------------------------------------------
// Barrier: default timeout.

fn barrier_timeout() -> Result<()> {
    println!(
        "with_timeout(0 parties): {}",
        said(&Barrier::with_timeout(0, SETTLE).map(|_| ()))
    );
    let barrier = Barrier::with_timeout(2, SETTLE)?;
    let t = Instant::now();
    let r = barrier.wait(None);
    println!(
        "alone, wait(None): {} (timed: {})",
        said(&r),
        timed(t.elapsed(), SETTLE)
    );
    println!("broken: {}", barrier.broken()?);
    let mut a = start(Process::with_args(party, (barrier.clone(), false)))?;
    a.join()?;
    barrier.reset()?;
    // Its own timeout wins over the default: 1 s here, the child coming
    // after 600 ms (past the default 300 ms).
    let mut b = start(Process::with_args(late_party, barrier.clone()))?;
    let r = barrier.wait(Some(Duration::from_secs(5)));
    b.join()?;
    println!(
        "wait(Some(5 s)) outlasting the default: {}",
        said(&r).starts_with("ok")
    );
    Ok(())
}

fn late_party(barrier: Barrier) -> Result<()> {
    std::thread::sleep(Duration::from_millis(600));
    let r = barrier.wait(Some(Duration::from_secs(5)));
    println!("late child: {}", said(&r).starts_with("ok"));
    Ok(())
}

// ---------------------------------------------------------------------------
// RawValue, RawArray, Value::unlocked, get_lock.

/// Writes its element of `array` and `value`, and counts under `locked`'s
/// lock 1000 times.
fn raw_writer(
    (value, array, locked, i): (RawValue<u64>, RawArray<f64>, Value<u32>, usize),
) -> Result<()> {
    array.set(i, i as f64 + 0.5)?;
    value.set(0xABCD_0000 + i as u64);
    for _ in 0..1000 {
        *locked.get_lock()? += 1;
    }
    Ok(())
}

/// Writes two patterns in turn, for 300 ms.
fn flip(value: RawValue<u64>) -> Result<()> {
    let until = Instant::now() + SETTLE;
    while Instant::now() < until {
        value.set(0);
        value.set(u64::MAX);
    }
    Ok(())
}

fn raw_values() -> Result<()> {
    let value: RawValue<u64> = Value::unlocked(0)?;
    let array = RawArray::new(&[0.0f64; 4])?;
    let unlocked = Array::unlocked(&[1u8, 2, 3])?;
    println!("unlocked array: {:?}", unlocked.to_vec());
    let locked = Value::new(0u32)?;
    let mut children = Vec::new();
    for i in 0..4 {
        children.push(start(Process::with_args(
            raw_writer,
            (value.clone(), array.clone(), locked.clone(), i),
        ))?);
    }
    for c in &mut children {
        c.join()?;
    }
    println!("array after the children: {:?}", array.to_vec());
    println!(
        "value is one child's: {}",
        (0xABCD_0000..0xABCD_0004).contains(&value.get())
    );
    println!("counted under get_lock: {}", locked.get()?);
    println!("out of range: {}", said(&array.get(4)));
    println!("set out of range: {}", said(&array.set(9, 1.0)));
    array.set(3, 9.0)?;
    println!("still usable: {}", said(&array.get(3)));
    println!("len {}, empty {}", array.len(), array.is_empty());

    let mut flipper = start(Process::with_args(flip, value.clone()))?;
    let (mut torn, mut zeros, mut ones, mut reads) = (0, 0, 0, 0);
    while flipper.is_alive() && reads < 5_000_000 {
        match value.get() {
            0 => zeros += 1,
            u64::MAX => ones += 1,
            v if (0xABCD_0000..0xABCD_0004).contains(&v) => {}
            _ => torn += 1,
        }
        reads += 1;
    }
    flipper.join()?;
    println!(
        "torn reads: {torn}; saw both writes: {}",
        zeros > 0 && ones > 0
    );
    Ok(())
}
