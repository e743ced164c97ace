//! The manager's server process: the objects, and a thread per connection
//! that serves requests on them.
//!
//! Objects live in one table; each has a lock of its own, so a request
//! that waits (a queue's `get`, a lock's `acquire`, an event's `wait`)
//! holds up only those that use the same object, never the table.

use super::wire::{Bytes, Create, Op, Reply, Request, Slice};
use super::{Constructor, Shared};
use crate::fds::Inherit;
use crate::pipe::{Connection, socket_pipe};
use crate::{Error, Kind, Result};
use nix::sys::socket::MsgFlags;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::{IoSlice, IoSliceMut};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, mpsc};
use std::time::{Duration, Instant};

fn lock<T: ?Sized>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A dictionary that keeps its keys in insertion order, as Python's does
/// (3.7+): `keys`, `items`, iteration and `popitem` follow it, and setting
/// an existing key keeps its place.
#[derive(Default, Clone)]
struct Dict {
    entries: HashMap<Bytes, (u64, Bytes)>,
    order: BTreeMap<u64, Bytes>,
    next: u64,
}

impl Dict {
    fn insert(&mut self, key: Bytes, value: Bytes) {
        if let Some((_, old)) = self.entries.get_mut(&key) {
            *old = value;
            return;
        }
        self.order.insert(self.next, key.clone());
        self.entries.insert(key, (self.next, value));
        self.next += 1;
    }

    fn remove(&mut self, key: &[u8]) -> Option<Bytes> {
        let (seq, value) = self.entries.remove(key)?;
        self.order.remove(&seq);
        Some(value)
    }

    fn pop_last(&mut self) -> Option<(Bytes, Bytes)> {
        let (_, key) = self.order.pop_last()?;
        let (_, value) = self.entries.remove(&key)?;
        Some((key, value))
    }

    fn pairs(&self) -> Vec<(Bytes, Bytes)> {
        self.order
            .values()
            .map(|k| (k.clone(), self.entries[k].1.clone()))
            .collect()
    }
}

/// An object's state and a condition variable for those waiting on it.
#[derive(Default)]
struct Waitable<T> {
    state: Mutex<T>,
    changed: Condvar,
}

impl<T> Waitable<T> {
    fn new(state: T) -> Self {
        Waitable {
            state: Mutex::new(state),
            changed: Condvar::new(),
        }
    }

    /// Waits until `ready` holds (returning the guard), or the deadline
    /// passes (returning `None`).
    fn wait_until(
        &self,
        deadline: Option<Instant>,
        ready: impl Fn(&T) -> bool,
    ) -> Option<MutexGuard<'_, T>> {
        let mut state = lock(&self.state);
        while !ready(&state) {
            match deadline {
                None => state = self.changed.wait(state).unwrap_or_else(|p| p.into_inner()),
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return None;
                    }
                    state = self
                        .changed
                        .wait_timeout(state, left)
                        .unwrap_or_else(|p| p.into_inner())
                        .0;
                }
            }
        }
        Some(state)
    }
}

struct QueueState {
    items: VecDeque<Bytes>,
    /// 0: no bound, as in Python.
    maxsize: usize,
}

enum Object {
    Dict(Mutex<Dict>),
    List(Mutex<Vec<Bytes>>),
    Namespace(Mutex<BTreeMap<String, Bytes>>),
    Queue(Waitable<QueueState>),
    Lock(Waitable<bool>),
    Event(Waitable<bool>),
    Value(Mutex<Bytes>),
    Shared(Mutex<Box<dyn Shared>>),
}

struct Objects {
    table: Mutex<Vec<Arc<Object>>>,
    types: HashMap<String, Constructor>,
}

fn failed(kind: Kind, message: impl Into<String>) -> Reply {
    Reply::Failed(kind, message.into())
}

fn deadline(timeout: Option<Duration>) -> Option<Instant> {
    timeout.map(|t| Instant::now() + t)
}

/// Python's slice bounds, clamped to the list as Python clamps them.
fn bounds(slice: &Slice, len: usize) -> (usize, usize) {
    let start = slice.start.min(len);
    let end = slice.end.unwrap_or(len).clamp(start, len);
    (start, end)
}

fn create(objects: &Objects, what: Create) -> Reply {
    let object = match what {
        Create::Dict(pairs) => {
            let mut dict = Dict::default();
            for (k, v) in pairs {
                dict.insert(k, v);
            }
            Object::Dict(Mutex::new(dict))
        }
        Create::List(values) => Object::List(Mutex::new(values)),
        Create::Namespace => Object::Namespace(Mutex::default()),
        Create::Queue { maxsize } => Object::Queue(Waitable::new(QueueState {
            items: VecDeque::new(),
            maxsize,
        })),
        Create::Lock => Object::Lock(Waitable::new(false)),
        Create::Event => Object::Event(Waitable::new(false)),
        Create::Value(v) => Object::Value(Mutex::new(v)),
        Create::Shared { type_id, args } => {
            let Some(make) = objects.types.get(&type_id) else {
                return failed(
                    Kind::Key,
                    format!("no type '{type_id}' was registered with this manager"),
                );
            };
            match catch_unwind(|| make(&args)) {
                Ok(Ok(object)) => Object::Shared(Mutex::new(object)),
                Ok(Err(e)) => return failed(e.kind(), e.to_string()),
                Err(_) => {
                    return failed(Kind::Failure, format!("the {type_id} constructor panicked"));
                }
            }
        }
    };
    let mut table = lock(&objects.table);
    table.push(Arc::new(object));
    Reply::Id(table.len() - 1)
}

fn handle(objects: &Objects, request: Request) -> Reply {
    let (id, op) = match request {
        Request::Create(what) => return create(objects, what),
        Request::Call { id, op } => (id, op),
        Request::Connect | Request::Shutdown => {
            return failed(Kind::Failure, "handled by the connection");
        }
    };
    let Some(object) = lock(&objects.table).get(id).cloned() else {
        return failed(Kind::Failure, format!("no object {id}"));
    };
    match (&*object, op) {
        (Object::Dict(d), op) => dict_op(&mut lock(d), op),
        (Object::List(l), op) => list_op(&mut lock(l), op),
        (Object::Namespace(ns), op) => namespace_op(&mut lock(ns), op),
        (Object::Queue(q), op) => queue_op(q, op),
        (Object::Lock(l), op) => lock_op(l, op),
        (Object::Event(e), op) => event_op(e, op),
        (Object::Value(v), Op::ValueGet) => Reply::Value(Some(lock(v).clone())),
        (Object::Value(v), Op::ValueSet(new)) => {
            *lock(v) = new;
            Reply::Done
        }
        (Object::Shared(s), Op::SharedCall { method, args }) => {
            let mut s = lock(s);
            match catch_unwind(AssertUnwindSafe(|| s.call(&method, &args))) {
                Ok(Ok(bytes)) => Reply::Value(Some(bytes)),
                Ok(Err(e)) => failed(e.kind(), e.to_string()),
                Err(panic) => failed(
                    Kind::Failure,
                    format!("method '{method}' panicked: {}", panic_message(&*panic)),
                ),
            }
        }
        (_, op) => failed(
            Kind::Failure,
            format!("object {id} has no operation {op:?}"),
        ),
    }
}

/// What a panic said, when it said it with a string (as `panic!` does).
fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

fn dict_op(d: &mut Dict, op: Op) -> Reply {
    match op {
        Op::DictSet { key, value } => {
            d.insert(key, value);
            Reply::Done
        }
        Op::DictGet { key } => Reply::Value(d.entries.get(&key).map(|(_, v)| v.clone())),
        Op::DictPop { key } => Reply::Value(d.remove(&key)),
        Op::DictPopItem => match d.pop_last() {
            Some((k, v)) => Reply::Pairs(vec![(k, v)]),
            None => failed(Kind::Key, "popitem(): dictionary is empty"),
        },
        Op::DictSetDefault { key, default } => {
            if let Some((_, v)) = d.entries.get(&key) {
                return Reply::Value(Some(v.clone()));
            }
            d.insert(key, default.clone());
            Reply::Value(Some(default))
        }
        Op::DictUpdate(pairs) => {
            for (k, v) in pairs {
                d.insert(k, v);
            }
            Reply::Done
        }
        Op::Contains(key) => Reply::Bool(d.entries.contains_key(&key)),
        Op::Len => Reply::Len(d.entries.len()),
        Op::Items => Reply::Pairs(d.pairs()),
        Op::Clear => {
            *d = Dict::default();
            Reply::Done
        }
        op => failed(Kind::Failure, format!("a dict has no operation {op:?}")),
    }
}

fn index_error(index: usize, len: usize) -> Reply {
    failed(
        Kind::Index,
        format!("list index {index} out of range (length {len})"),
    )
}

fn list_op(l: &mut Vec<Bytes>, op: Op) -> Reply {
    match op {
        Op::ListPush(value) => {
            l.push(value);
            Reply::Done
        }
        Op::ListExtend(values) => {
            l.extend(values);
            Reply::Done
        }
        Op::ListInsert { index, value } => {
            // Python's insert clamps: past the end means at the end.
            l.insert(index.min(l.len()), value);
            Reply::Done
        }
        Op::ListGet(index) => Reply::Value(l.get(index).cloned()),
        Op::ListSet { index, value } => match l.get_mut(index) {
            Some(slot) => {
                *slot = value;
                Reply::Done
            }
            None => index_error(index, l.len()),
        },
        Op::ListPop(index) => {
            if l.is_empty() {
                return failed(Kind::Index, "pop from empty list");
            }
            let index = index.unwrap_or(l.len() - 1);
            if index >= l.len() {
                return index_error(index, l.len());
            }
            Reply::Value(Some(l.remove(index)))
        }
        Op::ListRemove(value) => match l.iter().position(|v| *v == value) {
            Some(i) => {
                l.remove(i);
                Reply::Done
            }
            None => failed(Kind::Value, "list.remove(x): x not in list"),
        },
        Op::ListIndex(value) => match l.iter().position(|v| *v == value) {
            Some(i) => Reply::Len(i),
            None => failed(Kind::Value, "list.index(x): x not in list"),
        },
        Op::ListCount(value) => Reply::Len(l.iter().filter(|v| **v == value).count()),
        Op::ListSlice(slice) => {
            let (start, end) = bounds(&slice, l.len());
            Reply::Values(l[start..end].to_vec())
        }
        Op::ListSetSlice(slice, values) => {
            let (start, end) = bounds(&slice, l.len());
            l.splice(start..end, values);
            Reply::Done
        }
        Op::ListReverse => {
            l.reverse();
            Reply::Done
        }
        Op::Contains(value) => Reply::Bool(l.contains(&value)),
        Op::Len => Reply::Len(l.len()),
        Op::Items => Reply::Values(l.clone()),
        Op::Clear => {
            l.clear();
            Reply::Done
        }
        op => failed(Kind::Failure, format!("a list has no operation {op:?}")),
    }
}

fn namespace_op(ns: &mut BTreeMap<String, Bytes>, op: Op) -> Reply {
    let missing = |name: &str| {
        failed(
            Kind::Key,
            format!("'Namespace' object has no attribute '{name}'"),
        )
    };
    match op {
        Op::NsSet { name, value } => {
            ns.insert(name, value);
            Reply::Done
        }
        Op::NsGet(name) => match ns.get(&name) {
            Some(v) => Reply::Value(Some(v.clone())),
            None => missing(&name),
        },
        Op::NsDel(name) => match ns.remove(&name) {
            Some(_) => Reply::Done,
            None => missing(&name),
        },
        Op::NsNames => Reply::Names(ns.keys().cloned().collect()),
        op => failed(
            Kind::Failure,
            format!("a namespace has no operation {op:?}"),
        ),
    }
}

fn queue_op(q: &Waitable<QueueState>, op: Op) -> Reply {
    match op {
        Op::QueuePut { value, timeout } => {
            let Some(mut state) = q.wait_until(deadline(timeout), |s| {
                s.maxsize == 0 || s.items.len() < s.maxsize
            }) else {
                return failed(Kind::Timeout, "the queue is full (Python's queue.Full)");
            };
            state.items.push_back(value);
            q.changed.notify_all();
            Reply::Done
        }
        Op::QueueGet { timeout } => {
            let Some(mut state) = q.wait_until(deadline(timeout), |s| !s.items.is_empty()) else {
                return failed(Kind::Timeout, "the queue is empty (Python's queue.Empty)");
            };
            let item = state.items.pop_front();
            q.changed.notify_all();
            Reply::Value(item)
        }
        Op::Len => Reply::Len(lock(&q.state).items.len()),
        op => failed(Kind::Failure, format!("a queue has no operation {op:?}")),
    }
}

fn lock_op(l: &Waitable<bool>, op: Op) -> Reply {
    match op {
        Op::LockAcquire { timeout } => match l.wait_until(deadline(timeout), |held| !held) {
            Some(mut held) => {
                *held = true;
                Reply::Bool(true)
            }
            None => Reply::Bool(false),
        },
        Op::LockRelease => {
            let mut held = lock(&l.state);
            if !*held {
                return failed(Kind::Failure, "release unlocked lock");
            }
            *held = false;
            l.changed.notify_all();
            Reply::Done
        }
        op => failed(Kind::Failure, format!("a lock has no operation {op:?}")),
    }
}

fn event_op(e: &Waitable<bool>, op: Op) -> Reply {
    match op {
        Op::EventSet => {
            *lock(&e.state) = true;
            e.changed.notify_all();
            Reply::Done
        }
        Op::EventClear => {
            *lock(&e.state) = false;
            Reply::Done
        }
        Op::EventIsSet => Reply::Bool(*lock(&e.state)),
        Op::EventWait { timeout } => {
            Reply::Bool(e.wait_until(deadline(timeout), |set| *set).is_some())
        }
        op => failed(Kind::Failure, format!("an event has no operation {op:?}")),
    }
}

/// What the server tells its main thread.
enum Event {
    /// A connection was made (counted before its thread starts).
    Opened,
    /// A connection's process closed it.
    Closed,
    Shutdown,
}

/// Serves one connection until its process closes it.
fn serve_connection(conn: Connection, objects: Arc<Objects>, events: mpsc::Sender<Event>) {
    std::thread::spawn(move || {
        // Until end of file (or a broken peer): then this client is gone.
        // A client sends its next request only once it has the reply.
        while let Ok(request) = conn.recv_only::<Request>() {
            let outcome = match request {
                Request::Shutdown => {
                    let _ = conn.send(&Reply::Done);
                    let _ = events.send(Event::Shutdown);
                    break;
                }
                Request::Connect => (|| -> Result<()> {
                    let (mine, theirs) = socket_pipe()?;
                    conn.send(&Reply::Done)?;
                    send_fd(conn.as_fd(), theirs.into_fd().as_raw_fd())?;
                    let _ = events.send(Event::Opened);
                    serve_connection(mine, objects.clone(), events.clone());
                    Ok(())
                })(),
                request => conn.send(&handle(&objects, request)),
            };
            if outcome.is_err() {
                break;
            }
        }
        let _ = events.send(Event::Closed);
    });
}

/// The server process: serves until every connection is closed, or until
/// asked to shut down. `types` are the registered types' constructors, as
/// offsets in this executable (see `Manager::builder`).
pub(super) fn serve((first, types): (Connection, Vec<(String, isize)>)) -> Result<()> {
    let types = types
        .into_iter()
        .map(|(name, offset)| {
            let address = crate::process::address_of(offset);
            // SAFETY: the parent (this same executable) made `offset` from a
            // `Constructor` with `offset_of`, and only it starts a server.
            let make = unsafe { std::mem::transmute::<usize, Constructor>(address) };
            (name, make)
        })
        .collect();
    let objects = Arc::new(Objects {
        table: Mutex::default(),
        types,
    });
    let (events, news) = mpsc::channel();
    let mut open = 1;
    serve_connection(first, objects, events);
    while let Ok(event) = news.recv() {
        match event {
            Event::Opened => open += 1,
            Event::Closed => open -= 1,
            Event::Shutdown => break,
        }
        if open == 0 {
            break;
        }
    }
    Ok(())
}

fn send_fd(socket: BorrowedFd<'_>, fd: RawFd) -> Result<()> {
    let iov = [IoSlice::new(&[0u8])];
    crate::fds::send_with_fds(socket, &iov, &[fd], MsgFlags::MSG_NOSIGNAL)?;
    Ok(())
}

/// Receives the descriptor that follows the reply to a `Connect`.
pub(super) fn recv_connection(socket: BorrowedFd<'_>) -> Result<Connection> {
    let mut byte = [0u8; 1];
    let (_, fds) = crate::fds::recv_with_fds(
        socket,
        &mut [IoSliceMut::new(&mut byte)],
        1,
        MsgFlags::empty(),
    )?;
    let fd = fds
        .into_iter()
        .next()
        .ok_or_else(|| Error::new("the manager sent no connection"))?;
    Ok(Connection::from_fd(Inherit::new(fd)))
}
