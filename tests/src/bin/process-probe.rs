//! A test helper, not a recipe: small programs that drive the process layer
//! of `common` through cases the recipes do not reach, one per subcommand.
//! The tests in `tests/tests/process_layer.rs` run it.

use common::{
    Barrier, Connection, ListProxy, Lock, Manager, Pool, Process, Queue, Result, StartMethod,
    active_children, current_process, pipe,
};
use std::time::{Duration, Instant};

fn main() -> std::process::ExitCode {
    common::main(run)
}

fn run() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let case = args.next().unwrap_or_default();
    let method = match args.next().as_deref() {
        Some("fork") => StartMethod::Fork,
        _ => StartMethod::Spawn,
    };
    common::set_start_method(method);
    match case.as_str() {
        "panic-child" => panic_child(),
        "exit-codes" => exit_codes(),
        "grandchildren" => grandchildren(),
        "join-timeout" => join_timeout(),
        "active-children" => active(),
        "big-args" => big_args(),
        "fork-with-threads" => fork_with_threads(),
        "parent-panics" => parent_panics(),
        "start-twice" => start_twice(),
        "queue-big" => queue_big(),
        "pipe-big" => pipe_big(),
        "pipe-peer-dies" => pipe_peer_dies(),
        "queue-writer-dies" => queue_writer_dies(),
        "queue-child-panics" => queue_child_panics(),
        "lock-owner-dies" => lock_owner_dies(),
        "barrier-timeout" => barrier_timeout(),
        "manager-list" => manager_list(),
        "manager-no-address" => manager_no_address(),
        "manager-sleepers" => manager_sleepers(),
        "pool-api" => pool_api(),
        "pool-killed-worker" => pool_killed_worker(),
        "pool-terminate" => pool_terminate(),
        "pool-max-tasks" => pool_max_tasks(),
        // Misbehaving on purpose, to show that the leftover check can fail.
        "leave-orphan" => leave_orphan(),
        "leave-zombie" => leave_zombie(),
        other => Err(common::Error::usage(format!("unknown case '{other}'"))),
    }
}

fn boom() {
    panic!("boom in {}", current_process().name);
}

/// A panicking child exits 1; the parent carries on.
fn panic_child() -> Result<()> {
    let mut p = Process::new(boom);
    p.start()?;
    p.join()?;
    println!("exitcode {:?}", p.exitcode());
    Ok(())
}

fn exit_with(code: i32) {
    std::process::exit(code);
}

fn fails() -> Result<(), String> {
    Err("it went wrong".into())
}

/// Exit codes: 0, an explicit code, an error returned, and two signals.
fn exit_codes() -> Result<()> {
    let mut ok = Process::new(|| ());
    let mut seven = Process::with_args(exit_with, 7);
    let mut error = Process::new(fails);
    let mut killed = Process::new(|| common::sleep(100.0));
    let mut terminated = Process::new(|| common::sleep(100.0));
    for p in [
        &mut ok,
        &mut seven,
        &mut error,
        &mut killed,
        &mut terminated,
    ] {
        p.start()?;
    }
    killed.kill()?;
    terminated.terminate()?;
    for p in [
        &mut ok,
        &mut seven,
        &mut error,
        &mut killed,
        &mut terminated,
    ] {
        p.join()?;
        println!("{} {:?} {p}", p.get_name(), p.exitcode());
    }
    Ok(())
}

fn child_with_children() -> Result<()> {
    let me = current_process();
    println!("{} parent={}", me.name, me.parent_pid);
    for _ in 0..2 {
        let mut p = Process::new(|| {
            let me = current_process();
            println!("{} parent={}", me.name, me.parent_pid);
        });
        p.start()?;
        p.join()?;
    }
    Ok(())
}

/// Default names nest as Python's do: the children of `Process-2` are
/// `Process-2:1`, `Process-2:2`.
fn grandchildren() -> Result<()> {
    println!("MainProcess pid={}", std::process::id());
    let mut first = Process::new(child_with_children);
    let mut second = Process::new(child_with_children);
    first.start()?;
    first.join()?;
    second.start()?;
    second.join()?;
    Ok(())
}

/// `join_timeout` returns after the timeout while the child runs on.
fn join_timeout() -> Result<()> {
    let mut p = Process::new(|| common::sleep(100.0));
    p.start()?;
    let start = Instant::now();
    p.join_timeout(Duration::from_millis(200))?;
    let waited = start.elapsed();
    println!("alive after timeout: {}", p.is_alive());
    println!("waited enough: {}", waited >= Duration::from_millis(200));
    p.terminate()?;
    p.join_timeout(Duration::from_secs(10))?;
    println!("exitcode {:?}", p.exitcode());
    Ok(())
}

/// `active_children` lists running children and forgets ended ones.
fn active() -> Result<()> {
    let mut sleeper = Process::new(|| common::sleep(100.0)).name("sleeper");
    let mut quick = Process::new(|| ()).name("quick");
    sleeper.start()?;
    quick.start()?;
    quick.join()?;
    let names: Vec<String> = active_children().into_iter().map(|c| c.name).collect();
    println!("active: {names:?}");
    sleeper.kill()?;
    sleeper.join()?;
    println!("active after kill: {:?}", active_children());
    Ok(())
}

fn checksum(data: Vec<u8>) {
    let sum: u64 = data.iter().map(|&b| u64::from(b)).sum();
    println!("len={} sum={sum}", data.len());
}

/// Arguments bigger than a pipe's buffer reach the child intact.
fn big_args() -> Result<()> {
    let data: Vec<u8> = (0..4_000_000u32).map(|i| (i % 251) as u8).collect();
    let sum: u64 = data.iter().map(|&b| u64::from(b)).sum();
    println!("len={} sum={sum}", data.len());
    let mut p = Process::with_args(checksum, data);
    p.start()?;
    p.join()?;
    Ok(())
}

/// With a second thread running, `fork` is refused (and `spawn` works).
fn fork_with_threads() -> Result<()> {
    let _worker = std::thread::spawn(|| std::thread::sleep(Duration::from_secs(100)));
    let mut p = Process::new(|| println!("child ran"));
    p.start()?;
    p.join()?;
    Ok(())
}

/// The parent panics with a non-daemon child running: the child is still
/// joined before the parent exits.
fn parent_panics() -> Result<()> {
    let mut p = Process::new(|| {
        common::sleep(0.2);
        println!("child finished");
    });
    p.start()?;
    panic!("parent gives up");
}

fn start_twice() -> Result<()> {
    let mut p = Process::new(|| ());
    p.start()?;
    let second = p.start();
    p.join()?;
    second
}

/// Starts a process behind `common`'s back and exits without waiting: the
/// tests' leftover check must catch it.
fn leave_orphan() -> Result<()> {
    std::process::Command::new("sleep").arg("30").spawn()?;
    Ok(())
}

/// Leaves a child that has ended but was never reaped.
fn leave_zombie() -> Result<()> {
    let child = std::process::Command::new("true").spawn()?;
    std::thread::sleep(Duration::from_millis(200));
    // Exit at once, skipping every clean-up: the zombie stays unreaped.
    println!("zombie {}", child.id());
    std::io::Write::flush(&mut std::io::stdout())?;
    // SAFETY: `_exit` is always safe to call.
    unsafe { libc::_exit(0) }
}

const BIG: usize = 16 << 20;

fn big_message() -> Vec<u8> {
    (0..BIG).map(|i| (i % 251) as u8).collect()
}

fn digest(data: &[u8]) -> String {
    let sum: u64 = data.iter().map(|&b| u64::from(b)).sum();
    format!("len={} sum={sum}", data.len())
}

fn put_big(queue: Queue<Vec<u8>>) -> Result<()> {
    queue.put(&big_message())
}

/// A 16 MiB item crosses a queue from a child to the parent.
fn queue_big() -> Result<()> {
    let queue = Queue::<Vec<u8>>::new()?;
    let mut p = Process::with_args(put_big, queue.clone());
    p.start()?;
    let item = queue.get_timeout(Duration::from_secs(20))?;
    p.join()?;
    println!("sent {}", digest(&big_message()));
    println!("got {}", digest(&item));
    Ok(())
}

fn echo_big(conn: Connection) -> Result<()> {
    let data = conn.recv_bytes()?;
    conn.send_bytes(&data)
}

/// A 16 MiB message goes to a child through a pipe and comes back.
fn pipe_big() -> Result<()> {
    let (mine, theirs) = pipe(true)?;
    let mut p = Process::with_args(echo_big, theirs);
    p.start()?;
    mine.send_bytes(&big_message())?;
    let back = mine.recv_bytes()?;
    p.join()?;
    println!("sent {}", digest(&big_message()));
    println!("got {}", digest(&back));
    Ok(())
}

fn send_one_then_hang(conn: Connection) -> Result<()> {
    conn.send(&1u32)?;
    common::sleep(100.0);
    Ok(())
}

/// The child on the other end of a pipe is killed mid-conversation: the
/// parent's next recv is an end-of-file, not a hang.
fn pipe_peer_dies() -> Result<()> {
    let (mine, theirs) = pipe(true)?;
    let mut p = Process::with_args(send_one_then_hang, theirs);
    p.start()?;
    println!("first: {}", mine.recv::<u32>()?);
    p.kill()?;
    p.join()?;
    match mine.recv::<u32>() {
        Err(e) if e.is_eof() => println!("then: end of file"),
        other => println!("then: {other:?}"),
    }
    Ok(())
}

fn put_big_forever(queue: Queue<Vec<u8>>) -> Result<()> {
    // Nobody reads yet: this put stops half-way, holding the writers' lock.
    queue.put(&big_message())
}

/// A producer is killed in the middle of putting a big item: the consumer's
/// get ends with an error within its timeout, instead of waiting for ever
/// for the rest of the item.
fn queue_writer_dies() -> Result<()> {
    let queue = Queue::<Vec<u8>>::new()?;
    let mut p = Process::with_args(put_big_forever, queue.clone());
    p.start()?;
    while queue.qsize() == 0 {
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(200));
    p.kill()?;
    p.join()?;
    let start = Instant::now();
    match queue.get_timeout(Duration::from_secs(5)) {
        Ok(item) => println!("got {} (unexpected)", item.len()),
        Err(e) => println!("get failed: {e}"),
    }
    println!(
        "within timeout: {}",
        start.elapsed() < Duration::from_secs(5)
    );
    Ok(())
}

fn take_one_and_panic(queue: Queue<u32>) {
    let item = queue.get().expect("get");
    panic!("consumer panics holding item {item}");
}

/// A consumer panics: the parent carries on and nothing is left behind.
fn queue_child_panics() -> Result<()> {
    let queue = Queue::<u32>::new()?;
    let mut p = Process::with_args(take_one_and_panic, queue.clone());
    p.start()?;
    queue.put(&42)?;
    p.join()?;
    println!("consumer exitcode {:?}", p.exitcode());
    queue.put(&43)?;
    println!("still usable: {}", queue.get()?);
    Ok(())
}

fn hold_lock_for_ever(lock: Lock) -> Result<()> {
    let _held = lock.acquire()?;
    println!("child holds the lock");
    common::sleep(100.0);
    Ok(())
}

/// A process dies holding a lock: the next taker gets it (the lock is
/// robust) instead of waiting for ever.
fn lock_owner_dies() -> Result<()> {
    let lock = Lock::new()?;
    let mut p = Process::with_args(hold_lock_for_ever, lock.clone());
    p.start()?;
    // Wait until the child holds it: then a short try must fail.
    while lock.acquire_timeout(Duration::from_millis(1))?.is_some() {
        std::thread::sleep(Duration::from_millis(5));
    }
    println!(
        "taken while the child lives: {}",
        lock.acquire_timeout(Duration::from_millis(100))?.is_some()
    );
    p.kill()?;
    p.join()?;
    // The first try after the death is told of it, and leaves the lock free.
    let taken = match lock.acquire_timeout(Duration::from_secs(5)) {
        Err(e) if e.is_owner_died() => lock.acquire_timeout(Duration::from_secs(5))?.is_some(),
        other => other?.is_some(),
    };
    println!("taken after the child died: {taken}");
    Ok(())
}

fn wait_at(barrier: Barrier) -> Result<()> {
    match barrier.wait(Some(Duration::from_millis(300))) {
        Ok(i) => println!("passed as {i}"),
        Err(e) => println!("child: {e}"),
    }
    Ok(())
}

/// Two of three parties arrive; the wait times out and breaks the barrier
/// for the other too, and for anyone after.
fn barrier_timeout() -> Result<()> {
    let barrier = Barrier::new(3)?;
    let mut p = Process::with_args(wait_at, barrier.clone());
    p.start()?;
    let main = barrier.wait(Some(Duration::from_secs(5)));
    p.join()?; // the child's line first
    match main {
        Ok(i) => println!("main passed as {i}"),
        Err(e) => println!("main: {e}"),
    }
    match barrier.wait(Some(Duration::from_millis(10))) {
        Ok(i) => println!("later passed as {i}"),
        Err(e) => println!("later: {e}"),
    }
    Ok(())
}

fn append_to((list, i): (ListProxy<String>, u32)) -> Result<()> {
    list.push(&format!("from {} ({i})", current_process().name))
}

/// Children append to a list held by a manager; the parent reads it.
fn manager_list() -> Result<()> {
    let manager = Manager::start()?;
    let list = manager.list::<String>()?;
    let mut children: Vec<Process> = (0..5)
        .map(|i| Process::with_args(append_to, (list.clone(), i)))
        .collect();
    for c in &mut children {
        c.start()?;
    }
    for c in &mut children {
        c.join()?;
    }
    let mut items = list.items()?;
    items.sort();
    println!("{} items", list.len()?);
    for item in items {
        println!("{item}");
    }
    manager.shutdown()?;
    match list.len() {
        Ok(n) => println!("after shutdown: {n}"),
        Err(e) => println!("after shutdown: {e}"),
    }
    Ok(())
}

/// The manager process has no address another program could connect to:
/// none of its sockets listens, and none has a name.
fn manager_no_address() -> Result<()> {
    let manager = Manager::start()?;
    let dict = manager.dict::<u8, u8>()?;
    dict.set(&1, &2)?;
    let pid = manager.pid().expect("started");
    let mut inodes = Vec::new();
    for entry in std::fs::read_dir(format!("/proc/{pid}/fd"))?.flatten() {
        if let Ok(target) = std::fs::read_link(entry.path())
            && let Some(inode) = target.to_str().and_then(|t| t.strip_prefix("socket:["))
        {
            inodes.push(inode.trim_end_matches(']').to_string());
        }
    }
    let table = std::fs::read_to_string("/proc/net/unix")?;
    let (mut listening, mut named) = (0, 0);
    for line in table.lines().skip(1) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() >= 7 && inodes.iter().any(|i| i == fields[6]) {
            // Flags 00010000 mark a listening socket; a 8th field is its path.
            if fields[3] == "00010000" {
                listening += 1;
            }
            if fields.len() > 7 {
                named += 1;
            }
        }
    }
    println!("manager sockets: {}", inodes.len());
    println!("listening: {listening}");
    println!("with an address: {named}");
    println!("value: {:?}", dict.get(&1)?);
    Ok(())
}

fn use_then_sleep((dict, i): (common::DictProxy<u32, u32>, u32)) -> Result<()> {
    dict.set(&i, &i)?;
    common::sleep(100.0);
    Ok(())
}

/// A manager, and children holding proxies, all running until killed.
fn manager_sleepers() -> Result<()> {
    let manager = Manager::start()?;
    let dict = manager.dict::<u32, u32>()?;
    let mut children: Vec<Process> = (0..3)
        .map(|i| Process::with_args(use_then_sleep, (dict.clone(), i)))
        .collect();
    for c in &mut children {
        c.start()?;
    }
    while dict.len()? < 3 {
        std::thread::sleep(Duration::from_millis(5));
    }
    println!("ready");
    common::sleep(100.0);
    Ok(())
}

fn square(x: u64) -> u64 {
    x * x
}

fn add(a: u64, b: u64) -> u64 {
    a + b
}

/// Later inputs finish first: input i sleeps (10 - i) * 20 ms.
fn slow_first(i: u64) -> u64 {
    std::thread::sleep(Duration::from_millis((10 - i.min(10)) * 20));
    i
}

fn boom_at_3(i: u64) -> u64 {
    if i == 3 {
        panic!("three is unlucky");
    }
    i
}

static GREETING: std::sync::OnceLock<String> = std::sync::OnceLock::new();

fn set_greeting(text: String) {
    let _ = GREETING.set(text);
}

fn greet(name: String) -> String {
    format!(
        "{} {name}",
        GREETING.get().map_or("(no initializer)", String::as_str)
    )
}

/// The pool's API, one line per claim.
fn pool_api() -> Result<()> {
    let pool = Pool::new(3)?;
    for chunksize in [1, 4, 1000] {
        let got = pool.map_chunked(square, 0..50, chunksize)?;
        println!(
            "map chunksize {chunksize} in order: {}",
            got == (0..50).map(|x| x * x).collect::<Vec<_>>()
        );
    }
    println!("map of nothing: {:?}", pool.map(square, 0..0)?);
    println!(
        "starmap: {:?}",
        pool.starmap(add, [(1, 2), (3, 4), (5, 6)])?
    );
    println!("apply: {}", pool.apply(square, 12)?);
    let pending = pool.apply_async(slow_first, 0)?;
    println!("ready at once: {}", pending.ready()?);
    println!(
        "get_timeout too short: {}",
        pending.get_timeout(Duration::from_millis(20)).unwrap_err()
    );
    println!("get: {}", pending.get()?);
    let ordered: Vec<u64> = pool
        .imap(slow_first, 0..10, 1)?
        .map(|(_, r)| r.unwrap())
        .collect();
    println!("imap in input order: {ordered:?}");
    let mut unordered: Vec<u64> = pool
        .imap_unordered(slow_first, 0..10, 1)?
        .map(|(_, r)| r.unwrap())
        .collect();
    println!(
        "imap_unordered came in input order: {}",
        unordered == (0..10).collect::<Vec<_>>()
    );
    unordered.sort();
    println!(
        "imap_unordered all there: {}",
        unordered == (0..10).collect::<Vec<_>>()
    );
    let endless: Vec<u64> = pool
        .imap(square, 0.., 2)?
        .take(5)
        .map(|(_, r)| r.unwrap())
        .collect();
    println!("imap over an endless input: {endless:?}");
    let each = pool.map_async(boom_at_3, 0..6, 1)?;
    for (i, r) in each.get_each()?.into_iter().enumerate() {
        match r {
            Ok(v) => println!("task {i}: {v}"),
            Err(e) => println!("task {i}: {e}"),
        }
    }
    println!("successful: {}", each.successful()?);
    println!(
        "map with a panic: {}",
        pool.map(boom_at_3, 0..6).unwrap_err()
    );
    println!("still works: {:?}", pool.map(square, 0..4)?);
    let with_init = Pool::builder(2)
        .initializer(set_greeting, "hello".to_string())
        .build()?;
    println!(
        "initializer: {:?}",
        with_init.map(greet, ["a".to_string(), "b".to_string()])?
    );
    println!("join before close: {}", pool.join().unwrap_err());
    pool.close();
    println!("map after close: {}", pool.map(square, 0..2).unwrap_err());
    pool.join()?;
    println!("joined");
    Ok(())
}

fn sleep_ms(ms: u64) -> u64 {
    std::thread::sleep(Duration::from_millis(ms));
    ms
}

/// A worker killed from outside: its task fails, the others do not, and a
/// new worker takes its place.
fn pool_killed_worker() -> Result<()> {
    let pool = Pool::new(2)?;
    let before = pool.worker_pids();
    let victim_task = pool.apply_async(sleep_ms, 3000)?;
    let other = pool.apply_async(sleep_ms, 300)?;
    std::thread::sleep(Duration::from_millis(150));
    other.wait()?;
    // The first worker got the first task: the long one.
    let busy = before[0];
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(busy),
        nix::sys::signal::Signal::SIGKILL,
    )?;
    let start = Instant::now();
    let outcome = victim_task.get();
    match outcome {
        Ok(v) => println!("long task: {v} (the other worker had it)"),
        Err(e) => {
            // Without the pid, which changes from run to run.
            let text = e.to_string();
            let (head, tail) = text.split_once(" (pid ").unwrap_or((&text, ""));
            println!(
                "long task: {head}{}",
                tail.split_once(')').map_or("", |(_, rest)| rest)
            );
        }
    }
    println!("short task: {}", other.get()?);
    println!(
        "reported at once: {}",
        start.elapsed() < Duration::from_secs(2)
    );
    let after = pool.worker_pids();
    println!("workers after: {}", after.len());
    println!("the killed one replaced: {}", !after.contains(&busy));
    println!("still works: {:?}", pool.map(square, 0..4)?);
    Ok(())
}

/// terminate() stops busy workers at once; their tasks fail.
fn pool_terminate() -> Result<()> {
    let pool = Pool::new(2)?;
    let busy = pool.map_async(sleep_ms, [5000, 5000, 5000], 1)?;
    std::thread::sleep(Duration::from_millis(100));
    let start = Instant::now();
    pool.terminate()?;
    println!(
        "terminated quickly: {}",
        start.elapsed() < Duration::from_secs(2)
    );
    println!("get: {}", busy.get().unwrap_err());
    println!("workers left: {}", pool.worker_pids().len());
    Ok(())
}

fn my_pid(_: u32) -> i32 {
    std::process::id() as i32
}

/// With maxtasksperchild = 1, every chunk runs in a fresh worker.
fn pool_max_tasks() -> Result<()> {
    let pool = Pool::builder(2).max_tasks_per_child(1).build()?;
    let mut pids = pool.map_chunked(my_pid, 0..6, 1)?;
    pids.sort();
    pids.dedup();
    println!("distinct workers for 6 chunks: {}", pids.len());
    pool.close();
    pool.join()?;
    Ok(())
}
