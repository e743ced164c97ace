//! The rest of what Python's `SyncManager` serves: `Namespace`, `Queue`,
//! `Lock`, `Event`, `Value`.

use super::wire::{Op, Reply};
use super::{Handle, Types, proxy_traits, unexpected};
use crate::{Error, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::Duration;

/// Attributes by name, in the manager's process (Python's
/// `manager.Namespace()`: `ns.x = 1` is `ns.set("x", &1)`, `ns.x` is
/// `ns.get::<i32>("x")`). An attribute can hold any serializable type.
///
/// ```no_run
/// let manager = common::Manager::start()?;
/// let ns = manager.namespace()?;
/// ns.set("x", &10)?;
/// ns.set("y", &"hello".to_string())?;
/// assert_eq!(ns.get::<i32>("x")?, 10);
/// assert!(ns.get::<i32>("z").is_err()); // Python's AttributeError
/// # Ok::<(), common::Error>(())
/// ```
pub struct Namespace {
    handle: Handle,
    _types: Types<()>,
}

proxy_traits!(Namespace);

impl Namespace {
    pub(super) fn new(handle: Handle) -> Self {
        Namespace {
            handle,
            _types: Types::default(),
        }
    }

    /// `ns.name = value`
    pub fn set<T: Serialize + ?Sized>(&self, name: &str, value: &T) -> Result<()> {
        let value = self.handle.enc(value)?;
        self.handle.done(Op::NsSet {
            name: name.to_string(),
            value,
        })
    }

    /// `ns.name`: a [`Kind::Key`](crate::Kind::Key) error (Python's `AttributeError`) if
    /// there is no such attribute.
    pub fn get<T: DeserializeOwned>(&self, name: &str) -> Result<T> {
        let value = self.handle.value(Op::NsGet(name.to_string()))?;
        self.handle.dec_some(value)
    }

    /// `del ns.name`: a [`Kind::Key`](crate::Kind::Key) error if there is no such attribute.
    pub fn delete(&self, name: &str) -> Result<()> {
        self.handle.done(Op::NsDel(name.to_string()))
    }

    /// The attributes' names, sorted (what Python's `repr` shows).
    pub fn names(&self) -> Result<Vec<String>> {
        match self.handle.call(Op::NsNames)? {
            Reply::Names(names) => Ok(names),
            other => Err(unexpected(other)),
        }
    }
}

/// A queue in the manager's process (Python's `manager.Queue()`, a
/// `queue.Queue` there). Unlike [`crate::Queue`], `put` returns once the
/// item is in the server: nothing is buffered in the sending process.
pub struct QueueProxy<T> {
    handle: Handle,
    _types: Types<T>,
}

proxy_traits!(QueueProxy<T>);

impl<T> QueueProxy<T> {
    pub(super) fn new(handle: Handle) -> Self {
        QueueProxy {
            handle,
            _types: Types::default(),
        }
    }
}

impl<T: Serialize + DeserializeOwned> QueueProxy<T> {
    fn put_within(&self, item: &T, timeout: Option<Duration>) -> Result<()> {
        let value = self.handle.enc(item)?;
        match self.handle.call_waiting(Op::QueuePut { value, timeout })? {
            Reply::Done => Ok(()),
            other => Err(unexpected(other)),
        }
    }

    fn get_within(&self, timeout: Option<Duration>) -> Result<T> {
        match self.handle.call_waiting(Op::QueueGet { timeout })? {
            Reply::Value(v) => self.handle.dec_some(v),
            other => Err(unexpected(other)),
        }
    }

    /// `q.put(item)`: waits while a bounded queue is full.
    pub fn put(&self, item: &T) -> Result<()> {
        self.put_within(item, None)
    }

    /// `q.put(item, timeout=t)`: a [`Kind::Timeout`](crate::Kind::Timeout) error (Python's
    /// `queue.Full`) if the queue is still full after `timeout`.
    pub fn put_timeout(&self, item: &T, timeout: Duration) -> Result<()> {
        self.put_within(item, Some(timeout))
    }

    /// `q.get()`: waits for an item.
    pub fn get(&self) -> Result<T> {
        self.get_within(None)
    }

    /// `q.get(timeout=t)`: a [`Kind::Timeout`](crate::Kind::Timeout) error (Python's
    /// `queue.Empty`) if nothing came within `timeout`.
    pub fn get_timeout(&self, timeout: Duration) -> Result<T> {
        self.get_within(Some(timeout))
    }

    /// `q.get_nowait()`, with `None` for Python's `queue.Empty`.
    pub fn try_get(&self) -> Result<Option<T>> {
        match self.get_within(Some(Duration::ZERO)) {
            Ok(item) => Ok(Some(item)),
            Err(e) if e.is_timeout() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `q.qsize()`
    pub fn qsize(&self) -> Result<usize> {
        self.handle.len(Op::Len)
    }

    /// `q.empty()`
    pub fn empty(&self) -> Result<bool> {
        Ok(self.qsize()? == 0)
    }
}

/// A lock in the manager's process (Python's `manager.Lock()`). As with a
/// `threading.Lock` there, a holder that dies keeps it held: prefer
/// [`crate::Lock`] unless the lock must live in the manager.
pub struct LockProxy {
    handle: Handle,
    _types: Types<()>,
}

proxy_traits!(LockProxy);

/// Holds a [`LockProxy`]'s lock until dropped (or [`LockProxyGuard::release`]d).
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct LockProxyGuard<'a> {
    lock: &'a LockProxy,
    held: bool,
}

impl LockProxy {
    pub(super) fn new(handle: Handle) -> Self {
        LockProxy {
            handle,
            _types: Types::default(),
        }
    }

    fn acquire_within(&self, timeout: Option<Duration>) -> Result<Option<LockProxyGuard<'_>>> {
        match self.handle.call_waiting(Op::LockAcquire { timeout })? {
            Reply::Bool(true) => Ok(Some(LockProxyGuard {
                lock: self,
                held: true,
            })),
            Reply::Bool(false) => Ok(None),
            other => Err(unexpected(other)),
        }
    }

    /// `lock.acquire()` (or `with lock:`): waits for the lock.
    pub fn acquire(&self) -> Result<LockProxyGuard<'_>> {
        self.acquire_within(None)?
            .ok_or_else(|| Error::new("manager: the lock was not acquired"))
    }

    /// `lock.acquire(timeout=t)`: `None` if the lock was not free in time.
    pub fn acquire_timeout(&self, timeout: Duration) -> Result<Option<LockProxyGuard<'_>>> {
        self.acquire_within(Some(timeout))
    }
}

impl LockProxyGuard<'_> {
    /// `lock.release()`, reporting an error (dropping the guard ignores it).
    pub fn release(mut self) -> Result<()> {
        self.held = false;
        self.lock.handle.done(Op::LockRelease)
    }
}

impl Drop for LockProxyGuard<'_> {
    fn drop(&mut self) {
        if self.held {
            let _ = self.lock.handle.done(Op::LockRelease);
        }
    }
}

/// An event in the manager's process (Python's `manager.Event()`).
pub struct EventProxy {
    handle: Handle,
    _types: Types<()>,
}

proxy_traits!(EventProxy);

impl EventProxy {
    pub(super) fn new(handle: Handle) -> Self {
        EventProxy {
            handle,
            _types: Types::default(),
        }
    }

    /// `event.set()`: wakes every waiter.
    pub fn set(&self) -> Result<()> {
        self.handle.done(Op::EventSet)
    }

    /// `event.clear()`
    pub fn clear(&self) -> Result<()> {
        self.handle.done(Op::EventClear)
    }

    /// `event.is_set()`
    pub fn is_set(&self) -> Result<bool> {
        self.handle.bool(Op::EventIsSet)
    }

    /// `event.wait(timeout)`: true once the event is set, false if
    /// `timeout` passed first (`None`: waits for ever).
    pub fn wait(&self, timeout: Option<Duration>) -> Result<bool> {
        match self.handle.call_waiting(Op::EventWait { timeout })? {
            Reply::Bool(b) => Ok(b),
            other => Err(unexpected(other)),
        }
    }
}

/// A value in the manager's process (Python's `manager.Value(typecode,
/// value)`, whose `.value` is `get`/`set` here). Each call is one round
/// trip: `v.set(&(v.get()? + 1))` is not atomic, as in Python.
pub struct ValueProxy<T> {
    handle: Handle,
    _types: Types<T>,
}

proxy_traits!(ValueProxy<T>);

impl<T> ValueProxy<T> {
    pub(super) fn new(handle: Handle) -> Self {
        ValueProxy {
            handle,
            _types: Types::default(),
        }
    }
}

impl<T: Serialize + DeserializeOwned> ValueProxy<T> {
    /// `v.value`
    pub fn get(&self) -> Result<T> {
        let value = self.handle.value(Op::ValueGet)?;
        self.handle.dec_some(value)
    }

    /// `v.value = value`
    pub fn set(&self, value: &T) -> Result<()> {
        let value = self.handle.enc(value)?;
        self.handle.done(Op::ValueSet(value))
    }
}
