//! A test helper, not a recipe: Python's `multiprocessing.connection` and
//! manager API, each case across real processes, one per subcommand
//! (`<case> <spawn|fork|forkserver> [args]`). The tests in
//! `tests/tests/api_connection_manager.rs` run it.

use common::connection::{Address, Listener, client};
use common::{
    Connection, DictProxy, Error, EventProxy, Inherit, Kind, ListProxy, LockProxy, Manager,
    Namespace, Process, QueueProxy, Result, Shared, SharedProxy, ValueProxy, dumps, loads, pipe,
    wait,
};
use std::os::fd::{AsFd, BorrowedFd};
use std::time::{Duration, Instant};

fn main() -> std::process::ExitCode {
    common::main(run)
}

fn run() -> Result<()> {
    let case = cookbook_tests::probe_case();
    let args: Vec<String> = std::env::args().skip(3).collect();
    let rest = args.as_slice();
    match case.as_str() {
        "recv-into" => recv_into(),
        "send-range" => send_range(),
        "closed-peer" => closed_peer(),
        "wait" => wait_case(),
        "listen" => listen(rest),
        "connect" => connect(rest),
        "dict" => dict_case(),
        "list" => list_case(),
        "nested" => nested(),
        "namespace" => namespace(),
        "queue" => queue(),
        "lock-event-value" => lock_event_value(),
        "shared" => shared(),
        other => Err(Error::usage(format!("unknown case '{other}'"))),
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// `what` took at least `low` and at most `high`.
fn within(start: Instant, low: Duration, high: Duration) -> bool {
    let took = start.elapsed();
    took >= low && took <= high
}

fn describe(e: &Error) -> String {
    format!("{:?}: {e}", e.kind())
}

// ---------------------------------------------------------------------------
// Connection

fn send_four(conn: Connection) -> Result<()> {
    conn.send_bytes(b"hello")?;
    conn.send_bytes(&[7u8; 100])?;
    conn.send_bytes(&[1u8; 16])?;
    conn.send_bytes(b"after")
}

/// `recv_bytes_into`: a message that fits, one that does not (its error
/// holds it whole, the buffer is untouched), one that fits exactly, and
/// the connection still in step afterwards.
fn recv_into() -> Result<()> {
    let (mine, theirs) = pipe(true)?;
    let mut child = Process::with_args(send_four, theirs);
    child.start()?;
    let mut buffer = [0u8; 16];
    let n = mine.recv_bytes_into(&mut buffer)?;
    println!("fits: {n} {:?}", String::from_utf8_lossy(&buffer[..n]));
    let before = buffer;
    let e = mine.recv_bytes_into(&mut buffer).unwrap_err();
    println!("too long: {:?}", e.kind());
    let payload = e.payload().unwrap_or_default();
    println!(
        "payload: {} bytes, all 7: {}",
        payload.len(),
        payload.iter().all(|&b| b == 7)
    );
    println!("buffer untouched: {}", buffer == before);
    println!("exact fit: {}", mine.recv_bytes_into(&mut buffer)?);
    println!(
        "next: {:?}",
        String::from_utf8_lossy(&mine.recv_bytes_max(64)?)
    );
    child.join()?;
    Ok(())
}

fn echo_all((conn, end): (Connection, Connection)) -> Result<()> {
    println!(
        "child: duplex readable={} writable={}; one-way end readable={} writable={}",
        conn.readable(),
        conn.writable(),
        end.readable(),
        end.writable()
    );
    let mut got = Vec::new();
    loop {
        let bytes = conn.recv_bytes()?;
        if bytes == b"end" {
            break;
        }
        got.push(String::from_utf8_lossy(&bytes).into_owned());
    }
    conn.send(&got)
}

fn close_and_go(conn: Connection) -> Result<()> {
    drop(conn);
    Ok(())
}

/// Writes to a raw pipe nobody reads: not a `Connection`, so SIGPIPE's
/// default action (restored by `common::main`) ends this process.
fn raw_broken_pipe(_: ()) -> Result<()> {
    let (reader, writer) = nix::unistd::pipe()?;
    drop(reader);
    let _ = nix::unistd::write(&writer, b"x");
    println!("raw write survived?!");
    Ok(())
}

/// A `Connection` whose other end has gone: sending is an end-of-file
/// error, not a SIGPIPE death, on both kinds of pipe; any other write to a
/// broken pipe still dies of SIGPIPE, as `recipe | head` should.
fn closed_peer() -> Result<()> {
    for duplex in [true, false] {
        let (reader, writer) = pipe(duplex)?;
        let (mine, theirs) = if duplex {
            (reader, writer)
        } else {
            (writer, reader)
        };
        let mut child = Process::with_args(close_and_go, theirs);
        child.start()?;
        child.join()?;
        let err = mine.send_bytes(&[0u8; 100]).unwrap_err();
        println!(
            "duplex={duplex}: send to a closed end: eof={}",
            err.is_eof()
        );
        let err = mine.send_bytes(&vec![0u8; 4 << 20]).unwrap_err();
        println!("duplex={duplex}: again, 4 MiB: eof={}", err.is_eof());
    }
    let mut child = Process::with_args(raw_broken_pipe, ());
    child.start()?;
    child.join()?;
    println!(
        "raw write to a broken pipe: exit code {:?}",
        child.exitcode()
    );
    Ok(())
}

/// `send_bytes_range`: Python's `send_bytes(buf, offset, size)`, bad
/// ranges refused with nothing sent; `readable`/`writable` on both kinds
/// of pipe, in the parent and in a child.
fn send_range() -> Result<()> {
    let (reader, writer) = pipe(false)?;
    println!(
        "one-way: reader readable={} writable={}; writer readable={} writable={}",
        reader.readable(),
        reader.writable(),
        writer.readable(),
        writer.writable()
    );
    let (mine, theirs) = pipe(true)?;
    let mut child = Process::with_args(echo_all, (theirs, writer));
    child.start()?;
    let buf = b"hello world";
    mine.send_bytes_range(buf, 6, Some(5))?;
    mine.send_bytes_range(buf, 0, None)?;
    mine.send_bytes_range(buf, 6, None)?;
    mine.send_bytes_range(buf, 11, None)?;
    for (offset, size) in [(12, None), (6, Some(6)), (0, Some(12))] {
        match mine.send_bytes_range(buf, offset, size) {
            Ok(()) => println!("offset {offset} size {size:?}: sent?!"),
            Err(e) => println!("offset {offset} size {size:?}: {:?}", e.kind()),
        }
    }
    mine.send_bytes_range(buf, 0, Some(5))?;
    mine.send_bytes(b"end")?;
    let got: Vec<String> = mine.recv()?;
    child.join()?;
    println!("child got: {got:?}");
    drop(reader);
    Ok(())
}

fn send_after((conn, delay, live): (Connection, u64, u64)) -> Result<()> {
    std::thread::sleep(ms(delay));
    conn.send(&"hi")?;
    std::thread::sleep(ms(live));
    Ok(())
}

fn sleep_for(delay: u64) {
    std::thread::sleep(ms(delay));
}

fn write_after((fd, delay): (Inherit, u64)) -> Result<()> {
    std::thread::sleep(ms(delay));
    nix::unistd::write(fd.as_fd(), b"x")?;
    Ok(())
}

/// `wait` over a connection, a process sentinel and a plain pipe: a
/// timeout with nothing ready, then each object as it becomes ready, in
/// order, then all at once.
fn wait_case() -> Result<()> {
    let t0 = Instant::now();
    let (conn, theirs) = pipe(true)?;
    let (r, w) = nix::unistd::pipe()?;
    let mut sender = Process::with_args(send_after, (theirs, 300, 2000));
    let mut sleeper = Process::with_args(sleep_for, 1000);
    let mut writer = Process::with_args(write_after, (Inherit::new(w), 1700));
    for p in [&mut sender, &mut sleeper, &mut writer] {
        p.start()?;
    }
    {
        let sentinel = sleeper
            .sentinel()
            .expect("a started process has a sentinel");
        let objects: [BorrowedFd<'_>; 3] = [conn.as_fd(), sentinel, r.as_fd()];
        let start = Instant::now();
        let ready = wait(&objects, Some(ms(100)))?;
        println!(
            "timeout: {ready:?}, after 100 ms..5 s: {}",
            within(start, ms(100), ms(5000))
        );
        let ready = wait(&objects, None)?;
        println!(
            "first: {ready:?}, at 300 ms..5 s: {}",
            within(t0, ms(300), ms(5000))
        );
        println!("message: {}", conn.recv::<String>()?);
        let ready = wait(&objects, Some(ms(10_000)))?;
        println!(
            "second: {ready:?}, at 1000 ms..6 s: {}",
            within(t0, ms(1000), ms(6000))
        );
    }
    sleeper.join()?;
    println!("sleeper exitcode {:?}", sleeper.exitcode());
    let objects = [conn.as_fd(), r.as_fd()];
    let ready = wait(&objects, Some(ms(10_000)))?;
    println!(
        "third: {ready:?}, at 1700 ms..7 s: {}",
        within(t0, ms(1700), ms(7000))
    );
    let mut byte = [0u8; 1];
    nix::unistd::read(&r, &mut byte)?;
    sender.join()?;
    writer.join()?;
    let objects: [BorrowedFd<'_>; 3] =
        [conn.as_fd(), sender.sentinel().expect("started"), r.as_fd()];
    println!("all ended: {:?}", wait(&objects, Some(ms(0)))?);
    Ok(())
}

fn serve_one(conn: Connection) -> Result<()> {
    let message: String = conn.recv()?;
    conn.send(&format!("echo: {message}"))
}

/// `listen <spawn|fork> <unix|tcp> <key> <address-file> <count>`: listens
/// with `key`, writes its address to the file, and accepts `count`
/// connections; each accepted one is served by a child process.
fn listen(args: &[String]) -> Result<()> {
    let [family, key, address_file, count] = args else {
        return Err(Error::usage(
            "listen <unix|tcp> <key> <address-file> <count>",
        ));
    };
    let address = match family.as_str() {
        "unix" => Address::arbitrary_unix()?,
        _ => Address::localhost_tcp(),
    };
    let listener = Listener::bind(address, Some(key.as_bytes()))?;
    // Written whole, then renamed: the client never reads half an address.
    let partial = format!("{address_file}.partial");
    std::fs::write(&partial, listener.address().to_string())?;
    std::fs::rename(&partial, address_file)?;
    let count: u32 = count.parse().map_err(|_| Error::usage("bad count"))?;
    for i in 1..=count {
        match listener.accept() {
            Ok(conn) => {
                let mut child = Process::with_args(serve_one, conn);
                child.start()?;
                child.join()?;
                println!("accept {i}: served, exitcode {:?}", child.exitcode());
            }
            Err(e) => println!("accept {i}: {}", describe(&e)),
        }
    }
    let path = match listener.address() {
        Address::Unix(path) => Some(path.clone()),
        Address::Tcp(_) => None,
    };
    listener.close();
    if let Some(path) = path {
        println!("socket file left: {}", path.exists());
    }
    Ok(())
}

/// `connect <spawn|fork> <key> <address-file> <message>`: connects as a
/// separate program; an authentication failure is its error (exit code 1).
fn connect(args: &[String]) -> Result<()> {
    let [key, address_file, message] = args else {
        return Err(Error::usage("connect <key> <address-file> <message>"));
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    let address: Address = loop {
        match std::fs::read_to_string(address_file) {
            Ok(text) => break text.parse()?,
            Err(_) if Instant::now() < deadline => std::thread::sleep(ms(10)),
            Err(e) => return Err(Error::new(format!("no address: {e}"))),
        }
    };
    let conn = client(&address, Some(key.as_bytes()))?;
    conn.send(message)?;
    println!("reply: {}", conn.recv::<String>()?);
    Ok(())
}

// ---------------------------------------------------------------------------
// Manager

fn dict_in_child(d: DictProxy<String, i32>) -> Result<()> {
    d.update([("c".to_string(), 30), ("d".to_string(), 4)])?;
    println!(
        "child: set_default d -> {}",
        d.set_default(&"d".into(), &0)?
    );
    println!(
        "child: set_default e -> {}",
        d.set_default(&"e".into(), &5)?
    );
    println!("child: pop a -> {}", d.pop(&"a".into())?);
    println!(
        "child: pop zz -> {}",
        describe(&d.pop(&"zz".into()).unwrap_err())
    );
    Ok(())
}

/// The dict interface, in Python's (insertion) order, from two processes.
fn dict_case() -> Result<()> {
    let manager = Manager::start()?;
    let d = manager.dict_from([("a".to_string(), 1), ("b".to_string(), 2)])?;
    d.set(&"c".into(), &3)?;
    // Setting an existing key keeps its place, as in Python.
    d.set(&"a".into(), &10)?;
    println!("keys: {:?}", d.keys()?);
    let mut child = Process::with_args(dict_in_child, d.clone());
    child.start()?;
    child.join()?;
    println!("child exitcode {:?}", child.exitcode());
    println!("items: {:?}", d.items()?);
    println!("values: {:?}", d.values()?);
    println!("iter: {:?}", d.iter()?.collect::<Vec<_>>());
    println!(
        "contains b: {}, contains a: {}",
        d.contains(&"b".into())?,
        d.contains(&"a".into())?
    );
    println!(
        "get_item zz: {}",
        describe(&d.get_item(&"zz".into()).unwrap_err())
    );
    println!("pop_or zz: {}", d.pop_or(&"zz".into(), -1)?);
    println!(
        "delete zz: {}",
        describe(&d.delete(&"zz".into()).unwrap_err())
    );
    println!("pop_item: {:?}", d.pop_item()?);
    let copy: std::collections::BTreeMap<String, i32> = d.copy()?;
    println!("copy: {copy:?}, len {}", d.len()?);
    d.clear()?;
    println!("cleared: len {} empty {}", d.len()?, d.is_empty()?);
    println!(
        "pop_item on empty: {}",
        describe(&d.pop_item().unwrap_err())
    );
    d.set(&"z".into(), &26)?;
    println!("still usable: {:?}", d.items()?);
    manager.shutdown()
}

fn list_in_child(l: ListProxy<i32>) -> Result<()> {
    l.extend([5, 9, 2])?;
    l.insert(0, &0)?;
    l.insert(100, &100)?;
    println!(
        "child: remove 42 -> {}",
        describe(&l.remove(&42).unwrap_err())
    );
    l.remove(&1)?;
    Ok(())
}

/// The list interface, from two processes.
fn list_case() -> Result<()> {
    let manager = Manager::start()?;
    let l = manager.list_from([3, 1, 4, 1])?;
    let mut child = Process::with_args(list_in_child, l.clone());
    child.start()?;
    child.join()?;
    println!("child exitcode {:?}", child.exitcode());
    println!("items: {:?}", l.items()?);
    println!("index 1: {}, count 1: {}", l.index(&1)?, l.count(&1)?);
    println!("index 42: {}", describe(&l.index(&42).unwrap_err()));
    println!(
        "contains 9: {}, contains 42: {}",
        l.contains(&9)?,
        l.contains(&42)?
    );
    println!(
        "slices: {:?} {:?} {:?} {:?}",
        l.slice(1..3)?,
        l.slice(..2)?,
        l.slice(6..)?,
        l.slice(50..60)?
    );
    l.set_slice(1..3, [7, 7, 7])?;
    println!("after set_slice 1..3: {:?}", l.items()?);
    println!("pop: {}, pop_at 0: {}", l.pop()?, l.pop_at(0)?);
    println!("pop_at 99: {}", describe(&l.pop_at(99).unwrap_err()));
    println!("set 99: {}", describe(&l.set(99, &0).unwrap_err()));
    l.reverse()?;
    println!("reversed: {:?}", l.iter()?.collect::<Vec<_>>());
    l.clear()?;
    println!("pop on empty: {}", describe(&l.pop().unwrap_err()));
    l.push(&1)?;
    println!("still usable: {:?}, len {}", l.items()?, l.len()?);
    manager.shutdown()
}

fn nested_in_child(outer: DictProxy<String, ListProxy<String>>) -> Result<()> {
    let inner = outer.get_item(&"log".into())?;
    inner.push(&format!("from {}", common::current_process().name))?;
    Ok(())
}

/// Proxies stored in a dict and a list of the same manager, used from
/// another process; a proxy of another manager is refused.
fn nested() -> Result<()> {
    let manager = Manager::start()?;
    let outer = manager.dict::<String, ListProxy<String>>()?;
    let log = manager.list::<String>()?;
    log.push(&"from the parent".into())?;
    outer.set(&"log".into(), &log)?;
    let mut child = Process::with_args(nested_in_child, outer.clone());
    child.start()?;
    child.join()?;
    println!("child exitcode {:?}", child.exitcode());
    println!("log: {:?}", log.items()?);
    let dicts = manager.list::<DictProxy<String, i32>>()?;
    dicts.push(&manager.dict_from([("x".to_string(), 1)])?)?;
    let first = dicts.get(0)?.expect("stored");
    first.set(&"y".into(), &2)?;
    println!(
        "dict in a list: {:?}",
        dicts.get(0)?.expect("stored").items()?
    );
    let other = Manager::start()?;
    let stranger = other.list::<String>()?;
    match outer.set(&"stranger".into(), &stranger) {
        Ok(()) => println!("another manager's proxy: stored?!"),
        Err(e) => println!("another manager's proxy: {}", describe(&e)),
    }
    println!("outer keys: {:?}", outer.keys()?);
    other.shutdown()?;
    manager.shutdown()
}

fn namespace_in_child(ns: Namespace) -> Result<()> {
    let x: i32 = ns.get("x")?;
    ns.set("y", &format!("x was {x}"))?;
    ns.set("x", &(x + 1))?;
    Ok(())
}

/// Attributes by name, set and read from two processes.
fn namespace() -> Result<()> {
    let manager = Manager::start()?;
    let ns = manager.namespace()?;
    ns.set("x", &41)?;
    let mut child = Process::with_args(namespace_in_child, ns.clone());
    child.start()?;
    child.join()?;
    println!("child exitcode {:?}", child.exitcode());
    println!(
        "x: {}, y: {:?}",
        ns.get::<i32>("x")?,
        ns.get::<String>("y")?
    );
    println!("names: {:?}", ns.names()?);
    println!("z: {}", describe(&ns.get::<i32>("z").unwrap_err()));
    ns.delete("y")?;
    println!("delete y again: {}", describe(&ns.delete("y").unwrap_err()));
    println!("names: {:?}", ns.names()?);
    manager.shutdown()
}

fn produce(q: QueueProxy<u32>) -> Result<()> {
    for i in 0..100 {
        q.put(&i)?;
    }
    Ok(())
}

/// A queue served by the manager: order across processes, `get` with a
/// timeout, a bounded queue's `put` with a timeout.
fn queue() -> Result<()> {
    let manager = Manager::start()?;
    let q = manager.queue::<u32>()?;
    let mut child = Process::with_args(produce, q.clone());
    child.start()?;
    let got: Vec<u32> = (0..100).map(|_| q.get()).collect::<Result<_>>()?;
    child.join()?;
    println!("got 100 in order: {}", got == (0..100).collect::<Vec<_>>());
    println!("try_get on empty: {:?}", q.try_get()?);
    let start = Instant::now();
    let e = q.get_timeout(ms(150)).unwrap_err();
    println!(
        "get_timeout: {:?}, after 150 ms..5 s: {}",
        e.kind(),
        within(start, ms(150), ms(5000))
    );
    let bounded = manager.queue_bounded::<u32>(2)?;
    bounded.put(&1)?;
    bounded.put(&2)?;
    let start = Instant::now();
    let e = bounded.put_timeout(&3, ms(150)).unwrap_err();
    println!(
        "put_timeout on full: {:?}, after 150 ms..5 s: {}",
        e.kind(),
        within(start, ms(150), ms(5000))
    );
    println!("qsize {}, get {}", bounded.qsize()?, bounded.get()?);
    bounded.put_timeout(&3, ms(150))?;
    println!(
        "then: {:?} empty {}",
        [bounded.get()?, bounded.get()?],
        bounded.empty()?
    );
    manager.shutdown()
}

fn try_lock((lock, done): (LockProxy, EventProxy)) -> Result<()> {
    let start = Instant::now();
    let got = lock.acquire_timeout(ms(150))?;
    println!(
        "child: acquire_timeout while held: {}, after 150 ms..5 s: {}",
        got.is_some(),
        within(start, ms(150), ms(5000))
    );
    drop(got);
    done.set()?;
    let guard = lock.acquire()?;
    println!("child: acquired once released");
    guard.release()
}

fn wait_event((event, value): (EventProxy, ValueProxy<String>)) -> Result<()> {
    let set = event.wait(None)?;
    value.set(&format!("child saw the event: {set}"))?;
    Ok(())
}

/// Lock, event and value served by the manager.
fn lock_event_value() -> Result<()> {
    let manager = Manager::start()?;
    let lock = manager.lock()?;
    let tried = manager.event()?;
    let guard = lock.acquire()?;
    let mut child = Process::with_args(try_lock, (lock.clone(), tried.clone()));
    child.start()?;
    println!("child tried: {}", tried.wait(Some(ms(10_000)))?);
    // Released while the child waits in `acquire`.
    drop(guard);
    child.join()?;
    println!("child exitcode {:?}", child.exitcode());

    // Threads of one process: one waits for the lock on the server while
    // the other releases it through the same manager.
    let guard = lock.acquire()?;
    std::thread::scope(|s| -> Result<()> {
        let waiter = s.spawn(|| lock.acquire().map(|g| g.release()));
        std::thread::sleep(ms(100));
        guard.release()?;
        waiter.join().expect("no panic")??;
        Ok(())
    })?;
    println!("a thread waited while another released: ok");

    let event = manager.event()?;
    let value = manager.value(&"nothing yet".to_string())?;
    let start = Instant::now();
    println!(
        "wait on a clear event: {}, after 150 ms..5 s: {}",
        event.wait(Some(ms(150)))?,
        within(start, ms(150), ms(5000))
    );
    let mut child = Process::with_args(wait_event, (event.clone(), value.clone()));
    child.start()?;
    std::thread::sleep(ms(100));
    event.set()?;
    child.join()?;
    println!("value: {}", value.get()?);
    println!("is_set: {}", event.is_set()?);
    event.clear()?;
    println!("cleared: {}", event.is_set()?);
    manager.shutdown()
}

/// A type of our own, registered with a manager.
struct Counter {
    total: i64,
}

impl Shared for Counter {
    fn call(&mut self, method: &str, args: &[u8]) -> Result<Vec<u8>> {
        match method {
            "add" => {
                self.total += loads::<i64>(args)?;
                dumps(&self.total)
            }
            "get" => dumps(&self.total),
            "boom" => panic!("boom"),
            _ => Err(Error::with_kind(
                Kind::Key,
                format!("'Counter' object has no attribute '{method}'"),
            )),
        }
    }
}

fn new_counter(args: &[u8]) -> Result<Box<dyn Shared>> {
    Ok(Box::new(Counter {
        total: loads(args)?,
    }))
}

fn add_to(counter: SharedProxy) -> Result<()> {
    for _ in 0..10 {
        counter.call::<_, i64>("add", &1i64)?;
    }
    Ok(())
}

/// A registered type used from several processes; a missing method, a
/// panicking method and an unregistered type are errors, and the object
/// stays usable.
fn shared() -> Result<()> {
    let manager = Manager::builder()
        .register("Counter", new_counter)
        .start()?;
    let counter = manager.create_shared("Counter", &100i64)?;
    let mut children: Vec<Process> = (0..3)
        .map(|_| Process::with_args(add_to, counter.clone()))
        .collect();
    for c in &mut children {
        c.start()?;
    }
    for c in &mut children {
        c.join()?;
    }
    println!("total: {}", counter.call::<_, i64>("get", &())?);
    let e = counter.call::<_, i64>("nope", &()).unwrap_err();
    println!("missing method: {}", describe(&e));
    let e = counter.call::<_, i64>("boom", &()).unwrap_err();
    println!("panicking method: {:?}", e.kind());
    println!("still usable: {}", counter.call::<_, i64>("add", &1i64)?);
    let e = manager.create_shared("Gauge", &()).unwrap_err();
    println!("unregistered: {}", describe(&e));
    manager.shutdown()
}
