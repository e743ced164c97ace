//! A test helper, not a recipe: small programs that drive the process layer
//! of `common` through cases the recipes do not reach, one per subcommand.
//! The tests in `tests/tests/process_layer.rs` run it.

use common::{
    Barrier, Connection, ListProxy, Lock, Manager, Pool, Process, Queue, Result, SimpleQueue,
    StartMethod, active_children, current_process, pipe,
};
use std::time::{Duration, Instant};

fn main() -> std::process::ExitCode {
    common::main(run)
}

fn run() -> Result<()> {
    match cookbook_tests::probe_case().as_str() {
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
        // What `common` must survive (tests/tests/reliability.rs).
        "queue-fill-then-consume" => queue_fill_then_consume(),
        "queue-put-then-get-big" => queue_put_then_get_big(),
        "queue-consumer-stopped" => queue_consumer_stopped(),
        "queue-producer-stopped" => queue_producer_stopped(),
        "queue-exit-flush" => queue_exit_flush(),
        "queue-consumers-race" => queue_consumers_race(),
        "queue-consumer-killed-in-get" => queue_consumer_killed_in_get(),
        "queue-producer-killed-mid-batch" => queue_producer_killed_mid_batch(),
        "pipe-bad-header" => pipe_bad_header(),
        "pipe-writers-take-turns" => pipe_writers_take_turns(),
        "pipe-poll-sending-end" => pipe_poll_sending_end(),
        "start-from-short-thread" => start_from_short_thread(),
        "grandchild-fds" => grandchild_fds(),
        "inherited-fds" => inherited_fds(),
        "reap-on-start" => reap_on_start(),
        "exit-while-joining" => exit_while_joining(),
        // Python's API beyond the book (tests/tests/api_process_pool.rs).
        "context-two-methods" => context_two_methods(),
        "parent-process" => parent_process_case(),
        "process-close" => process_close(),
        "pool-callbacks" => pool_callbacks(),
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
    println!("{}", digest(&data));
}

/// Arguments bigger than a pipe's buffer reach the child intact.
fn big_args() -> Result<()> {
    let data = pattern(4_000_000);
    println!("{}", digest(&data));
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

/// `len` bytes of a pattern that a shifted, cut or spliced copy breaks.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

fn big_message() -> Vec<u8> {
    pattern(BIG)
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

fn put_big_then_hang((queue, put): (Queue<Vec<u8>>, common::Event)) -> Result<()> {
    queue.put(&big_message())?;
    // Every item this process put is in the queue's socket once this
    // returns (Python's `join_thread`): only then is the item safe from a
    // kill, as in Python, where an item still in the feeder dies with it.
    queue.join_thread();
    put.set()?;
    common::sleep(100.0);
    Ok(())
}

/// The two sizes of item `put_then_hang` puts in turn: one inline, one
/// over the queue's 16 KiB inline limit, so in a memfd.
const ITEM_SIZES: [usize; 2] = [100, 20 * 1024];

/// Puts 2,000 items of both kinds, then waits to be killed.
fn put_then_hang(queue: Queue<Vec<u8>>) -> Result<()> {
    for i in 0..2000 {
        queue.put(&pattern(ITEM_SIZES[i % 2]))?;
    }
    common::sleep(100.0);
    Ok(())
}

/// A producer is killed once its `put` of a big item has returned: the
/// item is whole in the queue (a big item travels as one memfd, never
/// half-written), and the consumer gets all of it. Then producers are
/// killed at varied moments, mid-put among them: what the consumer gets is
/// always whole items, never a malformed one.
fn queue_writer_dies() -> Result<()> {
    let queue = Queue::<Vec<u8>>::new()?;
    let put = common::Event::new()?;
    let mut p = Process::with_args(put_big_then_hang, (queue.clone(), put.clone()));
    p.start()?;
    if !put.wait(Some(Duration::from_secs(20)))? {
        return Err(common::Error::new("the producer never said it had put"));
    }
    p.kill()?;
    p.join()?;
    let start = Instant::now();
    match queue.get_timeout(Duration::from_secs(5)) {
        Ok(item) => println!("got the whole item: {}", item == big_message()),
        Err(e) => println!("get failed: {e}"),
    }
    println!(
        "within timeout: {}",
        start.elapsed() < Duration::from_secs(5)
    );

    let (mut whole, mut broken) = (0, 0);
    for round in 0..20usize {
        // The count left by an earlier producer killed between counting
        // an item and sending it (as in Python, it stays counted).
        let lost = queue.qsize();
        let mut p = Process::with_args(put_then_hang, queue.clone());
        p.start()?;
        // Kill it once it has counted in a different number of items
        // each round, some big, some small: it is then in the middle of
        // its puts, whatever the machine's speed.
        let deadline = Instant::now() + Duration::from_secs(20);
        while queue.qsize() < lost + 1 + 97 * round && Instant::now() < deadline {
            std::thread::sleep(Duration::from_micros(50));
        }
        p.kill()?;
        p.join()?;
        loop {
            match queue.get_timeout(Duration::from_millis(50)) {
                Ok(item) => {
                    if ITEM_SIZES.contains(&item.len()) && item == pattern(item.len()) {
                        whole += 1;
                    } else {
                        broken += 1;
                    }
                }
                Err(e) if e.is_timeout() => break,
                Err(_) => broken += 1,
            }
        }
    }
    println!("killed mid-put: some items got: {}", whole > 0);
    println!("killed mid-put: items broken: {broken}");
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

// ---------------------------------------------------------------------------
// What `common` must survive: each case below is a program a student could
// write, which hung, lost data or broke a queue before (see
// tests/tests/reliability.rs).

/// Takes 10,000 small items, then 100 of 64 KiB, checking order and contents.
fn consume_all(queue: Queue<(u32, Vec<u8>)>) -> Result<()> {
    let mut in_order = true;
    for i in 0..10_000u32 {
        let (n, bytes) = queue.get()?;
        in_order &= n == i && bytes.is_empty();
    }
    println!("small items: 10000, in order: {in_order}");
    let mut intact = true;
    for i in 0..100u32 {
        let (n, bytes) = queue.get()?;
        intact &= n == i && bytes.len() == 64 << 10 && bytes.iter().all(|&b| b == i as u8);
    }
    println!("64 KiB items: 100, in order and intact: {intact}");
    Ok(())
}

/// Python's `put` never blocks: fill the queue first, then start a consumer.
fn queue_fill_then_consume() -> Result<()> {
    let queue = Queue::<(u32, Vec<u8>)>::new()?;
    for i in 0..10_000u32 {
        queue.put(&(i, Vec::new()))?;
    }
    for i in 0..100u32 {
        queue.put(&(i, vec![i as u8; 64 << 10]))?;
    }
    println!("put 10100 items before any consumer");
    let mut consumer = Process::with_args(consume_all, queue.clone());
    consumer.start()?;
    consumer.join()?;
    println!("consumer exitcode {:?}", consumer.exitcode());
    Ok(())
}

/// One process puts a big item and gets it back.
fn queue_put_then_get_big() -> Result<()> {
    let queue = Queue::<Vec<u8>>::new()?;
    queue.put(&big_message())?;
    let back = queue.get_timeout(Duration::from_secs(10))?;
    println!("same item back: {}", back == big_message());
    Ok(())
}

fn wait_for_one(queue: Queue<u32>) -> Result<()> {
    let item = queue.get()?;
    println!("waiting consumer got {item} (unexpected)");
    Ok(())
}

fn take_three(queue: Queue<u32>) -> Result<()> {
    let items: Vec<u32> = (0..3).map(|_| queue.get()).collect::<Result<_>>()?;
    println!("next consumer got {items:?}");
    Ok(())
}

/// A consumer terminated (then one killed) while it waits in `get`: the
/// queue goes on working for the others, and loses nothing.
fn queue_consumer_stopped() -> Result<()> {
    let queue = Queue::<u32>::new()?;
    for how in ["terminate", "kill"] {
        let mut waiting = Process::with_args(wait_for_one, queue.clone());
        waiting.start()?;
        std::thread::sleep(Duration::from_millis(300));
        if how == "terminate" {
            waiting.terminate()?;
        } else {
            waiting.kill()?;
        }
        waiting.join()?;
        println!("{how}: waiting consumer exitcode {:?}", waiting.exitcode());
        for item in [1, 2, 3] {
            queue.put(&item)?;
        }
        let mut next = Process::with_args(take_three, queue.clone());
        next.start()?;
        next.join()?;
        println!("{how}: next consumer exitcode {:?}", next.exitcode());
    }
    Ok(())
}

fn produce_then_sleep(queue: Queue<(u32, Vec<u8>)>) -> Result<()> {
    // 12 KiB each: more than the socket's send buffer holds (about 500).
    for i in 0..2000u32 {
        queue.put(&(i, vec![7u8; 12 << 10]))?;
    }
    println!("producer: put 2000 items");
    common::sleep(100.0);
    Ok(())
}

/// A producer terminated while the socket is full: what reached the queue
/// is there, whole and in order, and the queue still works.
fn queue_producer_stopped() -> Result<()> {
    let queue = Queue::<(u32, Vec<u8>)>::new()?;
    let mut producer = Process::with_args(produce_then_sleep, queue.clone());
    producer.start()?;
    // Wait until the socket is as full as it gets.
    let mut last = usize::MAX;
    loop {
        std::thread::sleep(Duration::from_millis(200));
        let now = queue.qsize();
        if now == last && now > 0 {
            break;
        }
        last = now;
    }
    producer.terminate()?;
    producer.join()?;
    println!("producer exitcode {:?}", producer.exitcode());
    let mut got = Vec::new();
    while let Ok(Some((n, bytes))) = queue.try_get() {
        if bytes != vec![7u8; 12 << 10] {
            println!("item {n} damaged");
        }
        got.push(n);
    }
    let prefix = got.iter().enumerate().all(|(i, &n)| i as u32 == n);
    println!(
        "got the first items, whole and in order: {}",
        prefix && !got.is_empty()
    );
    queue.put(&(9999, Vec::new()))?;
    println!(
        "still usable: {:?}",
        queue.get_timeout(Duration::from_secs(5))?.0
    );
    Ok(())
}

/// Gathers, in a thread, what consumers report on `results` until
/// `u32::MAX` (started after the consumers: `fork` wants one thread).
fn gather(results: SimpleQueue<u32>) -> std::thread::JoinHandle<Vec<u32>> {
    std::thread::spawn(move || {
        let mut got = Vec::new();
        loop {
            match results.get() {
                Ok(u32::MAX) | Err(_) => return got,
                Ok(n) => got.push(n),
            }
        }
    })
}

/// What consumers reported on `results` so far (they are all gone).
fn reported(results: &SimpleQueue<u32>, got: &mut Vec<u32>) -> Result<()> {
    while !results.empty() {
        got.push(results.get()?);
    }
    Ok(())
}

/// Gets items and reports each one's number on `results` (with no feeder
/// thread, so that a kill loses nothing there), until `u32::MAX`.
fn take_and_report((queue, results): (Queue<(u32, Vec<u8>)>, SimpleQueue<u32>)) -> Result<()> {
    loop {
        let (n, bytes) = queue.get()?;
        if n == u32::MAX {
            return Ok(());
        }
        if bytes != vec![n as u8; 100] {
            println!("item {n} damaged");
        }
        results.put(&n)?;
    }
}

/// Two consumer processes race for the same items: every item is got
/// exactly once, and whole.
fn queue_consumers_race() -> Result<()> {
    const ITEMS: u32 = 20_000;
    let queue = Queue::<(u32, Vec<u8>)>::new()?;
    let results = SimpleQueue::<u32>::new()?;
    let mut consumers: Vec<Process> = (0..2)
        .map(|_| Process::with_args(take_and_report, (queue.clone(), results.clone())))
        .collect();
    for c in &mut consumers {
        c.start()?;
    }
    let gathered = gather(results.clone());
    for i in 0..ITEMS {
        queue.put(&(i, vec![i as u8; 100]))?;
    }
    for _ in &consumers {
        queue.put(&(u32::MAX, Vec::new()))?;
    }
    for c in &mut consumers {
        c.join()?;
    }
    results.put(&u32::MAX)?;
    let mut got = gathered.join().expect("the gathering thread");
    got.sort_unstable();
    println!(
        "every item got exactly once: {}",
        got == (0..ITEMS).collect::<Vec<_>>()
    );
    Ok(())
}

/// Consumers killed (SIGKILL) while they get, again and again, with items
/// flowing: no item is got twice or comes out damaged, each kill loses at
/// most the one item its consumer had taken and not yet reported, and the
/// queue goes on working.
fn queue_consumer_killed_in_get() -> Result<()> {
    const ITEMS: u32 = 60_000;
    const KILLS: u32 = 4;
    let queue = Queue::<(u32, Vec<u8>)>::new()?;
    let results = SimpleQueue::<u32>::new()?;
    let mut got = Vec::new();
    // More than the socket holds: this process's feeder keeps it full.
    for i in 0..ITEMS {
        queue.put(&(i, vec![i as u8; 100]))?;
    }
    for round in 0..KILLS {
        let mut c = Process::with_args(take_and_report, (queue.clone(), results.clone()));
        c.start()?;
        std::thread::sleep(Duration::from_millis(20 + 15 * u64::from(round)));
        c.kill()?;
        c.join()?;
        reported(&results, &mut got)?;
    }
    println!("consumers killed: {KILLS}");
    let mut whole = true;
    while let Ok((n, bytes)) = queue.get_timeout(Duration::from_millis(500)) {
        whole &= bytes == vec![n as u8; 100];
        got.push(n);
    }
    got.sort_unstable();
    let twice = got.windows(2).any(|w| w[0] == w[1]);
    let lost = ITEMS as usize - got.len();
    println!("no item got twice, none damaged: {}", !twice && whole);
    println!(
        "lost at most one item per kill: {}",
        lost <= KILLS as usize && got.iter().all(|&n| n < ITEMS)
    );
    queue.put(&(9999, Vec::new()))?;
    println!(
        "still usable: {:?}",
        queue.get_timeout(Duration::from_secs(5))?.0
    );
    Ok(())
}

fn produce_many_then_sleep(queue: Queue<(u32, Vec<u8>)>) -> Result<()> {
    for i in 0..300_000u32 {
        queue.put(&(i, vec![3u8; 16]))?;
    }
    common::sleep(100.0);
    Ok(())
}

/// A producer killed (SIGKILL) while its feeder sends batches to a busy
/// consumer: what reached the queue is every item up to some point, whole
/// and in order, none twice, and the queue goes on working.
fn queue_producer_killed_mid_batch() -> Result<()> {
    let queue = Queue::<(u32, Vec<u8>)>::new()?;
    let mut producer = Process::with_args(produce_many_then_sleep, queue.clone());
    producer.start()?;
    let mut got = Vec::new();
    // The socket holds about 10,000 such items: past 20,000, its feeder
    // is at work.
    for _ in 0..20_000 {
        got.push(queue.get_timeout(Duration::from_secs(10))?);
    }
    producer.kill()?;
    producer.join()?;
    println!("producer exitcode {:?}", producer.exitcode());
    while let Some(item) = queue.try_get()? {
        got.push(item);
    }
    let whole = got.iter().all(|(_, bytes)| bytes == &[3u8; 16]);
    let in_order = got.iter().enumerate().all(|(i, &(n, _))| i as u32 == n);
    println!("got a prefix, whole and in order: {}", whole && in_order);
    println!("killed before the end: {}", got.len() < 300_000);
    queue.put(&(9999, Vec::new()))?;
    println!(
        "still usable: {:?}",
        queue.get_timeout(Duration::from_secs(5))?.0
    );
    Ok(())
}

fn put_many_and_end(queue: Queue<(u32, Vec<u8>)>) -> Result<()> {
    // 12 KiB each: more than the socket's send buffer holds (about 500).
    for i in 0..1000u32 {
        queue.put(&(i, vec![1u8; 12 << 10]))?;
    }
    Ok(())
}

/// A child that put more than the socket holds ends only once its items
/// are read (Python's rule too): joined first, it is still running; read
/// first, it ends, and every item is there.
fn queue_exit_flush() -> Result<()> {
    let queue = Queue::<(u32, Vec<u8>)>::new()?;
    let mut p = Process::with_args(put_many_and_end, queue.clone());
    p.start()?;
    p.join_timeout(Duration::from_secs(1))?;
    println!("alive after join_timeout(1 s): {}", p.is_alive());
    let mut in_order = true;
    for i in 0..1000u32 {
        in_order &= queue.get_timeout(Duration::from_secs(10))?.0 == i;
    }
    println!("read 1000 items in order: {in_order}");
    p.join()?;
    println!("then it ended: exitcode {:?}", p.exitcode());
    Ok(())
}

/// A peer (or a bug) sends a header announcing an absurd length: an error,
/// not a panic, an abort or a hang; the end is broken from then on.
fn pipe_bad_header() -> Result<()> {
    use std::os::fd::{AsFd, AsRawFd};
    for header in [u64::MAX, 1 << 40] {
        // A one-way pipe: the sending end is one descriptor, written raw.
        let (b, a) = pipe(false)?;
        let bytes = header.to_le_bytes();
        // SAFETY: writing 8 bytes we own to a pipe we own.
        let n = unsafe { libc::write(a.as_fd().as_raw_fd(), bytes.as_ptr().cast(), 8) };
        assert_eq!(n, 8);
        match b.recv_bytes() {
            Ok(v) => println!("{header:#x}: got {} bytes (unexpected)", v.len()),
            Err(e) => println!("{header:#x}: {e}"),
        }
        match b.recv_bytes() {
            Ok(v) => println!("then: got {} bytes (unexpected)", v.len()),
            Err(e) => println!("then: {e}"),
        }
    }
    Ok(())
}

/// Two threads send big messages through clones of one end: each message
/// arrives whole, none mixed with another.
fn pipe_writers_take_turns() -> Result<()> {
    let (a, b) = pipe(true)?;
    let writers: Vec<_> = [1u8, 2u8]
        .into_iter()
        .map(|id| {
            let end = a.try_clone();
            std::thread::spawn(move || -> Result<()> {
                let end = end?;
                for _ in 0..40 {
                    end.send_bytes(&vec![id; 256 << 10])?;
                }
                Ok(())
            })
        })
        .collect();
    let mut whole = 0;
    for _ in 0..80 {
        match b.recv_bytes() {
            Ok(m) if m.len() == 256 << 10 && m.iter().all(|&x| x == m[0]) => whole += 1,
            Ok(_) => {}
            Err(e) => {
                println!("recv failed: {e}");
                break;
            }
        }
    }
    drop(b);
    for w in writers {
        let _ = w.join();
    }
    println!("whole messages: {whole} of 80");
    Ok(())
}

/// `poll` on an end that only sends is an error, as `recv` is.
fn pipe_poll_sending_end() -> Result<()> {
    let (_reader, writer) = pipe(false)?;
    match writer.poll(Some(Duration::ZERO)) {
        Ok(ready) => println!("poll on the sending end: Ok({ready})"),
        Err(e) => println!("poll on the sending end: error: {e}"),
    }
    Ok(())
}

fn nap_then_say() {
    std::thread::sleep(Duration::from_millis(500));
    println!("child: still alive after its starting thread ended");
}

/// A process started from a thread that ends at once lives on.
fn start_from_short_thread() -> Result<()> {
    let starter = std::thread::spawn(|| -> Result<Process> {
        let mut p = Process::new(nap_then_say);
        p.start()?;
        Ok(p)
    });
    let started = starter.join().expect("the starting thread");
    match started {
        Ok(mut p) => {
            p.join()?;
            println!("child exitcode {:?}", p.exitcode());
        }
        Err(e) => println!("start: {e}"),
    }
    Ok(())
}

/// Starts a grandchild (any `Command` would do), says its pid, closes its
/// own end of the pipe and waits for the grandchild.
fn write_then_start_sleeper(conn: Connection) -> Result<()> {
    let mut sleeper = std::process::Command::new("sleep").arg("5").spawn()?;
    conn.send(&sleeper.id())?;
    drop(conn);
    sleeper.wait()?;
    Ok(())
}

/// A child's received descriptors are not passed on to what it starts: the
/// parent sees end-of-file once the child has closed its end, though the
/// grandchild still runs.
fn grandchild_fds() -> Result<()> {
    let (reader, writer) = pipe(false)?;
    let mut p = Process::with_args(write_then_start_sleeper, writer);
    p.start()?;
    let sleeper: u32 = reader.recv()?;
    let eof = reader.poll(Some(Duration::from_secs(2)))? && reader.recv::<u32>().is_err();
    println!("end of file while the grandchild runs: {eof}");
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(sleeper as i32),
        nix::sys::signal::Signal::SIGKILL,
    );
    p.join()?;
    Ok(())
}

fn count_inherited_pipes() {
    let pipes = std::fs::read_dir("/proc/self/fd")
        .map(|dir| {
            dir.flatten()
                .filter(|e| {
                    e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) > Some(2)
                        && std::fs::read_link(e.path())
                            .is_ok_and(|l| l.to_string_lossy().starts_with("pipe:"))
                })
                .count()
        })
        .unwrap_or(usize::MAX);
    println!("pipes the child holds: {pipes}");
}

/// A descriptor the parent holds open across exec is not a child's.
fn inherited_fds() -> Result<()> {
    let mut fds = [0; 2];
    // SAFETY: pipe() fills the array we own; no close-on-exec on purpose.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    let mut p = Process::new(count_inherited_pipes);
    p.start()?;
    p.join()?;
    Ok(())
}

fn state_of(pid: i32) -> char {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit_once(')')?.1.trim_start().chars().next())
        .unwrap_or('-')
}

/// Finished children nobody joined are reaped by the next `start`.
fn reap_on_start() -> Result<()> {
    let mut done = Vec::new();
    for _ in 0..3 {
        let mut p = Process::new(|| ());
        p.start()?;
        done.push(p);
    }
    std::thread::sleep(Duration::from_millis(500));
    let zombies = |ps: &[Process]| {
        ps.iter()
            .filter(|p| state_of(p.pid().unwrap_or(0)) == 'Z')
            .count()
    };
    // Each start reaps those before it: the last one at least is a zombie.
    println!("a zombie before the next start: {}", zombies(&done) > 0);
    let mut next = Process::new(|| ());
    next.start()?;
    next.join()?;
    println!("zombies after it: {}", zombies(&done));
    Ok(())
}

/// The program ends while a thread waits in `join` on a daemon: the daemon
/// is terminated and the program exits.
fn exit_while_joining() -> Result<()> {
    let mut daemon = Process::new(|| common::sleep(100.0)).daemon(true);
    daemon.start()?;
    std::thread::spawn(move || {
        let _ = daemon.join();
    });
    std::thread::sleep(Duration::from_millis(200));
    println!("main: ending with a thread in join");
    Ok(())
}

// ---------------------------------------------------------------------------
// Python's API beyond the book: contexts, parent_process, close, callbacks.

/// Set by the parent before it starts children: a forked child sees it,
/// a spawned one (and a fork server's, forked from a fresh program) not.
static MARK: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

fn say_how_started(label: String) {
    let forked_from_parent = MARK.load(std::sync::atomic::Ordering::Relaxed) == 7;
    let via_server = nix::unistd::getppid().as_raw() != current_process().parent_pid;
    let how = match (forked_from_parent, via_server) {
        (true, _) => "fork",
        (false, true) => "forkserver",
        (false, false) => "spawn",
    };
    println!("{label}: started by {how}");
}

fn my_name(_: u32) -> String {
    current_process().name
}

/// One program, two start methods: the default and a context's.
fn context_two_methods() -> Result<()> {
    MARK.store(7, std::sync::atomic::Ordering::Relaxed);
    println!(
        "methods: {:?}",
        common::get_all_start_methods()
            .iter()
            .map(|m| m.name())
            .collect::<Vec<_>>()
    );
    let mut by_default = Process::with_args(say_how_started, "default".to_string());
    by_default.start()?;
    by_default.join()?;
    // ANCHOR: contexts
    for method in [
        StartMethod::Spawn,
        StartMethod::Fork,
        StartMethod::Forkserver,
    ] {
        let ctx = common::get_context(method);
        let mut p = ctx.process_with_args(say_how_started, format!("context {}", method.name()));
        p.start()?;
        p.join()?;
    }
    let ctx = common::get_context(StartMethod::Forkserver);
    let pool = ctx.pool(1)?;
    println!("context pool worker: {:?}", pool.map(my_name, [0])?);
    // ANCHOR_END: contexts
    Ok(())
}

fn report_parent() -> Result<()> {
    let parent = common::parent_process().expect("a child has a parent");
    println!(
        "{}: parent {} is the one that started it: {}, alive: {}",
        current_process().name,
        parent.name,
        parent.pid == current_process().parent_pid,
        parent.is_alive()
    );
    if current_process().name == "Process-1" {
        let mut grandchild = Process::new(report_parent);
        grandchild.start()?;
        grandchild.join()?;
    }
    Ok(())
}

/// `parent_process()`: `None` in the main process, the starter in a child.
fn parent_process_case() -> Result<()> {
    println!(
        "main: parent_process() is None: {}",
        common::parent_process().is_none()
    );
    let me = current_process();
    println!(
        "main: is_alive {}, exitcode {:?}",
        me.is_alive(),
        me.exitcode()
    );
    let mut child = Process::new(report_parent);
    child.start()?;
    child.join()?;
    Ok(())
}

/// `close()`: refused while the process runs; afterwards the object is done.
fn process_close() -> Result<()> {
    let mut p = Process::new(|| common::sleep(0.3));
    p.start()?;
    match p.close() {
        Ok(()) => println!("close while running: Ok (unexpected)"),
        Err(e) => println!("close while running: {:?}: {e}", e.kind()),
    }
    p.join()?;
    p.close()?;
    println!("close after join: ok");
    match p.join() {
        Ok(()) => println!("join after close: Ok (unexpected)"),
        Err(e) => println!("join after close: {:?}: {e}", e.kind()),
    }
    match p.start() {
        Ok(()) => println!("start after close: Ok (unexpected)"),
        Err(e) => println!("start after close: {:?}: {e}", e.kind()),
    }
    Ok(())
}

fn fail_on_3(x: u64) -> u64 {
    if x == 3 {
        panic!("three is not allowed");
    }
    x * 10
}

/// `apply_async`/`map_async` with `callback` and `error_callback`, and
/// `starmap` with a chunk size.
fn pool_callbacks() -> Result<()> {
    use std::sync::{Arc, Mutex};
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let pool = Pool::new(2)?;
    let log = |seen: &Arc<Mutex<Vec<String>>>, text: String| seen.lock().unwrap().push(text);
    let (s1, s2) = (seen.clone(), seen.clone());
    let one = pool.apply_async_then(
        fail_on_3,
        4,
        move |v| log(&s1, format!("callback {v}")),
        move |e| log(&s2, format!("error_callback {e}")),
    )?;
    let value = one.get()?;
    println!(
        "get: {value}; callback already ran: {:?}",
        seen.lock().unwrap()
    );
    seen.lock().unwrap().clear();
    let (s1, s2) = (seen.clone(), seen.clone());
    let failing = pool.apply_async_then(
        fail_on_3,
        3,
        move |v| log(&s1, format!("callback {v}")),
        move |e| {
            log(
                &s2,
                format!(
                    "error_callback: {}",
                    e.to_string().split(':').next().unwrap_or("")
                ),
            )
        },
    )?;
    println!(
        "get of the failing task is an error: {}",
        failing.get().is_err()
    );
    println!("then: {:?}", seen.lock().unwrap());
    seen.lock().unwrap().clear();
    // Handles dropped at once: the callbacks still run, by join.
    for (inputs, label) in [(vec![1u64, 2], "all good"), (vec![2, 3, 4], "one fails")] {
        let (s1, s2) = (seen.clone(), seen.clone());
        let label2 = label;
        drop(pool.map_async_then(
            fail_on_3,
            inputs,
            1,
            move |values| log(&s1, format!("{label}: callback {values:?}")),
            move |e| {
                log(
                    &s2,
                    format!(
                        "{label2}: error_callback {}",
                        e.to_string().split(':').next().unwrap_or("")
                    ),
                )
            },
        )?);
    }
    println!(
        "starmap, chunks of 2: {:?}",
        pool.starmap_chunked(add, (0..5).map(|i| (i, 10 * i)), 2)?
    );
    println!(
        "starmap_async: {:?}",
        pool.starmap_async(add, [(1, 2), (3, 4)], 1)?.get()?
    );
    pool.close();
    pool.join()?;
    let mut after = seen.lock().unwrap().clone();
    after.sort();
    println!("after join: {after:?}");
    Ok(())
}
