//! `Manager`: the counterpart of Python's `multiprocessing.Manager`.
//!
//! A manager is a server process that owns data; other processes hold
//! *proxies* and work on the data through them, each operation a request
//! to the server and a reply. The data is never shared memory: it lives in
//! one process, so any serializable type can be stored, at the cost of a
//! round trip per operation. What a manager serves, as Python's
//! `SyncManager` does:
//!
//! - [`DictProxy`] and [`ListProxy`] (`manager.dict()`, `manager.list()`),
//!   with Python's whole interface; a proxy can itself be stored in a dict
//!   or list of the same manager and used from there (nested proxies);
//! - [`Namespace`], [`QueueProxy`], [`LockProxy`], [`EventProxy`],
//!   [`ValueProxy`];
//! - objects of types of your own ([`Shared`], registered with
//!   [`ManagerBuilder::register`], used through a [`SharedProxy`]), as
//!   Python's `BaseManager.register` allows.
//!
//! Who may talk to the server? Python's manager listens on a socket with an
//! address and checks an authentication key. This one has no address at
//! all: each process gets its own connection, a socket pair made by the
//! server and handed over as a descriptor when a proxy is given to a child.
//! A process that was not given one has nothing to connect to, and nothing
//! is left in the file system when the program ends, however it ends.
//!
//! Keys, and values compared by `remove`, `index`, `count` and `contains`,
//! are compared by their encoded bytes (for most types the same as `==`;
//! not for floats such as `-0.0` and `0.0`).

mod collections;
mod objects;
mod server;
mod shared;
mod wire;

pub use collections::{DictProxy, ListProxy};
pub use objects::{EventProxy, LockProxy, LockProxyGuard, Namespace, QueueProxy, ValueProxy};
pub use shared::{Constructor, Shared, SharedProxy};

use crate::pipe::{Connection, socket_pipe};
use crate::{Error, Kind, Process, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::cell::{Cell, RefCell};
use std::marker::PhantomData;
use std::os::fd::AsFd;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use wire::{Bytes, Create, Op, Reply, Request};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

// ---------------------------------------------------------------------------
// One process's connections to the server, shared by its proxies.

/// A pool of connections to one server. A call takes an idle connection
/// and gives it back with the reply. A call that may wait (a queue's
/// `get`, a lock's `acquire`) first makes sure another connection is idle,
/// so the other threads of the process (one of which may be the one to
/// release the lock) are never held up behind it, as Python gives each
/// thread a connection of its own.
pub(crate) struct Client {
    idle: Mutex<Vec<Connection>>,
    returned: Condvar,
    /// Threads waiting in `take` (changed under `idle`'s lock): with none,
    /// `give` skips the wake-up, a system call on every call otherwise.
    waiting: std::sync::atomic::AtomicUsize,
    /// Which manager this is, so that a proxy is never stored in another.
    token: u64,
}

impl Client {
    fn new(conn: Connection, token: u64) -> Arc<Client> {
        Arc::new(Client {
            idle: Mutex::new(vec![conn]),
            returned: Condvar::new(),
            waiting: Default::default(),
            token,
        })
    }

    fn take(&self) -> Connection {
        let mut idle = lock(&self.idle);
        loop {
            if let Some(conn) = idle.pop() {
                return conn;
            }
            // Every connection is in a short call (a waiting call leaves a
            // spare): one comes back soon.
            self.waiting.fetch_add(1, Ordering::Relaxed);
            idle = self.returned.wait(idle).unwrap_or_else(|p| p.into_inner());
            self.waiting.fetch_sub(1, Ordering::Relaxed);
        }
    }

    fn give(&self, conn: Connection) {
        // Given back even when broken: the next call then fails at once
        // instead of waiting for a connection that will never come.
        let mut idle = lock(&self.idle);
        idle.push(conn);
        if self.waiting.load(Ordering::Relaxed) > 0 {
            self.returned.notify_one();
        }
    }

    fn exchange(conn: &Connection, request: &Request) -> Result<Reply> {
        let ended = |e: Error| {
            if e.is_eof() {
                Error::eof("the manager process has ended")
            } else {
                e
            }
        };
        conn.send(request).map_err(ended)?;
        // The reply is the only message on its way, except after a
        // `Connect`, which a descriptor follows.
        let reply = if matches!(request, Request::Connect) {
            conn.recv::<Reply>()
        } else {
            conn.recv_only::<Reply>()
        };
        match reply.map_err(ended)? {
            Reply::Failed(Kind::Failure, why) => Err(Error::new(format!("manager: {why}"))),
            Reply::Failed(kind, why) => Err(Error::with_kind(kind, why)),
            reply => Ok(reply),
        }
    }

    fn call(&self, request: &Request) -> Result<Reply> {
        let conn = self.take();
        let reply = Client::exchange(&conn, request);
        self.give(conn);
        reply
    }

    /// A call that may wait on the server for as long as another process
    /// pleases.
    fn call_waiting(&self, request: &Request) -> Result<Reply> {
        let conn = self.take();
        if lock(&self.idle).is_empty() {
            match Client::connect_on(&conn) {
                Ok(spare) => self.give(spare),
                Err(e) => {
                    self.give(conn);
                    return Err(e);
                }
            }
        }
        let reply = Client::exchange(&conn, request);
        self.give(conn);
        reply
    }

    fn connect_on(conn: &Connection) -> Result<Connection> {
        Client::exchange(conn, &Request::Connect)?;
        server::recv_connection(conn.as_fd())
    }

    /// A new connection to the server, for another process.
    fn connect(&self) -> Result<Connection> {
        let conn = self.take();
        let new = Client::connect_on(&conn);
        self.give(conn);
        new
    }
}

// ---------------------------------------------------------------------------
// Values to and from the server. A proxy inside a value is stored as a
// reference to its object, and comes back attached to the connections of
// the process that reads it.

thread_local! {
    /// While a value is encoded for a manager: that manager's token.
    static STORING: Cell<Option<u64>> = const { Cell::new(None) };
    /// Why the last encoding failed, when it was our own refusal.
    static REFUSED: RefCell<Option<String>> = const { RefCell::new(None) };
    /// While a reply is decoded: the connections its proxies are to use.
    static READING: RefCell<Option<Arc<Client>>> = const { RefCell::new(None) };
}

/// How a proxy travels: as a reference to an object of the manager it is
/// stored in, or to a child process with a connection of its own.
#[derive(Serialize, Deserialize)]
enum ProxyWire {
    Stored {
        token: u64,
        id: usize,
    },
    Inherited {
        conn: Connection,
        token: u64,
        id: usize,
    },
}

/// A proxy's link to its object: the connections, and the object's id.
#[derive(Clone)]
struct Handle {
    client: Arc<Client>,
    id: usize,
}

impl Handle {
    fn call(&self, op: Op) -> Result<Reply> {
        self.client.call(&Request::Call { id: self.id, op })
    }

    fn call_waiting(&self, op: Op) -> Result<Reply> {
        self.client.call_waiting(&Request::Call { id: self.id, op })
    }

    fn done(&self, op: Op) -> Result<()> {
        match self.call(op)? {
            Reply::Done => Ok(()),
            other => Err(unexpected(other)),
        }
    }

    fn value(&self, op: Op) -> Result<Option<Bytes>> {
        match self.call(op)? {
            Reply::Value(v) => Ok(v),
            other => Err(unexpected(other)),
        }
    }

    fn len(&self, op: Op) -> Result<usize> {
        match self.call(op)? {
            Reply::Len(n) => Ok(n),
            other => Err(unexpected(other)),
        }
    }

    fn bool(&self, op: Op) -> Result<bool> {
        match self.call(op)? {
            Reply::Bool(b) => Ok(b),
            other => Err(unexpected(other)),
        }
    }

    fn enc<T: Serialize + ?Sized>(&self, value: &T) -> Result<Bytes> {
        encode(&self.client, value)
    }

    fn dec<T: DeserializeOwned>(&self, bytes: &[u8]) -> Result<T> {
        decode(&self.client, bytes)
    }

    /// A value that must be there (the server said so).
    fn dec_some<T: DeserializeOwned>(&self, bytes: Option<Bytes>) -> Result<T> {
        match bytes {
            Some(b) => self.dec(&b),
            None => Err(Error::new("manager: a value was expected and none came")),
        }
    }

    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::Error as _;
        let wire = match STORING.get() {
            Some(token) if token == self.client.token => ProxyWire::Stored { token, id: self.id },
            Some(_) => {
                let why = "a proxy can only be stored in the manager that holds its object";
                REFUSED.set(Some(why.into()));
                return Err(S::Error::custom(why));
            }
            None => ProxyWire::Inherited {
                conn: self.client.connect().map_err(S::Error::custom)?,
                token: self.client.token,
                id: self.id,
            },
        };
        wire.serialize(s)
    }

    fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error as _;
        match ProxyWire::deserialize(d)? {
            ProxyWire::Inherited { conn, token, id } => Ok(Handle {
                client: Client::new(conn, token),
                id,
            }),
            ProxyWire::Stored { token, id } => {
                let client = READING
                    .with_borrow(|c| c.clone())
                    .filter(|c| c.token == token);
                match client {
                    Some(client) => Ok(Handle { client, id }),
                    None => Err(D::Error::custom(
                        "a stored proxy can only be read through its manager",
                    )),
                }
            }
        }
    }
}

fn encode<T: Serialize + ?Sized>(client: &Client, value: &T) -> Result<Bytes> {
    let before = STORING.replace(Some(client.token));
    REFUSED.set(None);
    let bytes = postcard::to_stdvec(value);
    STORING.set(before);
    match (bytes, REFUSED.take()) {
        (Ok(bytes), _) => Ok(bytes),
        (Err(_), Some(why)) => Err(Error::with_kind(Kind::Value, why)),
        (Err(e), None) => Err(e.into()),
    }
}

fn decode<T: DeserializeOwned>(client: &Arc<Client>, bytes: &[u8]) -> Result<T> {
    let before = READING.replace(Some(client.clone()));
    let value = postcard::from_bytes(bytes);
    READING.set(before);
    Ok(value?)
}

fn unexpected(reply: Reply) -> Error {
    Error::new(format!("manager: unexpected reply {reply:?}"))
}

/// Clone, Serialize and Deserialize for a proxy type: a handle and a marker.
macro_rules! proxy_traits {
    ($name:ident $(<$($t:ident),+>)?) => {
        impl$(<$($t),+>)? Clone for $name$(<$($t),+>)? {
            fn clone(&self) -> Self {
                $name { handle: self.handle.clone(), _types: std::marker::PhantomData }
            }
        }

        /// Python's repr: `<DictProxy object, id 3>`.
        impl$(<$($t),+>)? std::fmt::Debug for $name$(<$($t),+>)? {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "<{} object, id {}>", stringify!($name), self.handle.id)
            }
        }

        impl$(<$($t),+>)? serde::Serialize for $name$(<$($t),+>)? {
            fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                self.handle.serialize(s)
            }
        }

        impl<'de $($(, $t)+)?> serde::Deserialize<'de> for $name$(<$($t),+>)? {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                Ok($name {
                    handle: super::Handle::deserialize(d)?,
                    _types: std::marker::PhantomData,
                })
            }
        }
    };
}
pub(crate) use proxy_traits;

// ---------------------------------------------------------------------------
// The manager.

/// The manager: a server process and this process's connections to it.
///
/// ```no_run
/// let manager = common::Manager::start()?;
/// let d = manager.dict::<String, i32>()?;
/// d.set(&"a".to_string(), &1)?;
/// let l = manager.list_from([1, 2, 3])?;
/// l.push(&4)?;
/// // Hand `d` and `l` to children as Process arguments: they share them.
/// # Ok::<(), common::Error>(())
/// ```
pub struct Manager {
    client: Arc<Client>,
    server: Process,
}

/// A manager with types of your own registered (Python's
/// `BaseManager.register`), from [`Manager::builder`].
#[derive(Default)]
pub struct ManagerBuilder {
    types: Vec<(String, Constructor)>,
}

impl ManagerBuilder {
    /// Registers a type under `type_id`: [`Manager::create_shared`] then makes an
    /// object with `constructor` in the server and returns a
    /// [`SharedProxy`] to it (Python's `MyManager.register('Counter',
    /// Counter)`). `constructor` is a plain function, so that the server,
    /// started with either start method, can call it.
    pub fn register(mut self, type_id: &str, constructor: Constructor) -> Self {
        self.types.retain(|(t, _)| t != type_id);
        self.types.push((type_id.to_string(), constructor));
        self
    }

    /// Starts the server process.
    pub fn start(self) -> Result<Manager> {
        let (mine, theirs) = socket_pipe()?;
        let types: Vec<(String, isize)> = self
            .types
            .into_iter()
            .map(|(t, make)| (t, crate::process::offset_of(make as usize)))
            .collect();
        // A daemon: if proxies outlive the program's main body, the server
        // is stopped at exit instead of being waited for.
        let server = Process::with_args(server::serve, (theirs, types)).daemon(true);
        // Python names it after the class: `SyncManager-1`.
        let name = server.get_name().replacen("Process", "SyncManager", 1);
        let mut server = server.name(name);
        server.start()?;
        let token = u64::from_le_bytes(
            crate::connection::random_bytes(8)?
                .try_into()
                .unwrap_or_default(),
        );
        Ok(Manager {
            client: Client::new(mine, token),
            server,
        })
    }
}

impl Manager {
    /// Starts the server process (Python's `multiprocessing.Manager()`).
    pub fn start() -> Result<Manager> {
        ManagerBuilder::default().start()
    }

    /// A manager to which types of your own can be registered before it
    /// starts (Python's `BaseManager` subclass with `register` calls).
    pub fn builder() -> ManagerBuilder {
        ManagerBuilder::default()
    }

    fn create(&self, what: Create) -> Result<Handle> {
        match self.client.call(&Request::Create(what))? {
            Reply::Id(id) => Ok(Handle {
                client: self.client.clone(),
                id,
            }),
            other => Err(unexpected(other)),
        }
    }

    fn enc<T: Serialize + ?Sized>(&self, value: &T) -> Result<Bytes> {
        encode(&self.client, value)
    }

    /// A new, empty dictionary in the server (Python's `manager.dict()`).
    pub fn dict<K, V>(&self) -> Result<DictProxy<K, V>> {
        Ok(DictProxy::new(self.create(Create::Dict(Vec::new()))?))
    }

    /// A new dictionary holding `pairs` (Python's `manager.dict(pairs)`);
    /// a key given twice keeps its last value and its first place.
    pub fn dict_from<K: Serialize, V: Serialize>(
        &self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Result<DictProxy<K, V>> {
        let pairs = pairs
            .into_iter()
            .map(|(k, v)| Ok((self.enc(&k)?, self.enc(&v)?)))
            .collect::<Result<_>>()?;
        Ok(DictProxy::new(self.create(Create::Dict(pairs))?))
    }

    /// A new, empty list in the server (Python's `manager.list()`).
    pub fn list<T>(&self) -> Result<ListProxy<T>> {
        Ok(ListProxy::new(self.create(Create::List(Vec::new()))?))
    }

    /// A new list holding `values` (Python's `manager.list(values)`).
    pub fn list_from<T: Serialize>(
        &self,
        values: impl IntoIterator<Item = T>,
    ) -> Result<ListProxy<T>> {
        let values = values
            .into_iter()
            .map(|v| self.enc(&v))
            .collect::<Result<_>>()?;
        Ok(ListProxy::new(self.create(Create::List(values))?))
    }

    /// A new namespace: attributes by name (Python's `manager.Namespace()`).
    pub fn namespace(&self) -> Result<Namespace> {
        Ok(Namespace::new(self.create(Create::Namespace)?))
    }

    /// A new unbounded queue served by the manager (Python's
    /// `manager.Queue()`).
    pub fn queue<T>(&self) -> Result<QueueProxy<T>> {
        self.queue_bounded(0)
    }

    /// A new queue holding at most `maxsize` items, 0 for no bound
    /// (Python's `manager.Queue(maxsize)`): `put` waits while it is full.
    pub fn queue_bounded<T>(&self, maxsize: usize) -> Result<QueueProxy<T>> {
        Ok(QueueProxy::new(self.create(Create::Queue { maxsize })?))
    }

    /// A new lock served by the manager (Python's `manager.Lock()`).
    pub fn lock(&self) -> Result<LockProxy> {
        Ok(LockProxy::new(self.create(Create::Lock)?))
    }

    /// A new event, not set, served by the manager (Python's
    /// `manager.Event()`).
    pub fn event(&self) -> Result<EventProxy> {
        Ok(EventProxy::new(self.create(Create::Event)?))
    }

    /// A new value served by the manager (Python's
    /// `manager.Value(typecode, value)`; the type is `T`'s).
    pub fn value<T: Serialize>(&self, value: &T) -> Result<ValueProxy<T>> {
        let bytes = self.enc(value)?;
        Ok(ValueProxy::new(self.create(Create::Value(bytes))?))
    }

    /// A new object of a type registered under `type_id`, made in the
    /// server by its constructor from `args` (Python's
    /// `manager.Counter(args)`). An unregistered `type_id` is a
    /// [`Kind::Key`] error.
    pub fn create_shared<A: Serialize + ?Sized>(
        &self,
        type_id: &str,
        args: &A,
    ) -> Result<SharedProxy> {
        let args = self.enc(args)?;
        let handle = self.create(Create::Shared {
            type_id: type_id.to_string(),
            args,
        })?;
        Ok(SharedProxy::new(handle))
    }

    /// The server's pid.
    pub fn pid(&self) -> Option<i32> {
        self.server.pid()
    }

    /// Stops the server and waits for it; proxies fail from then on.
    pub fn shutdown(mut self) -> Result<()> {
        self.client.call(&Request::Shutdown)?;
        self.server.join()
    }
}

/// A proxy's marker type, for the types it reads and writes.
type Types<T> = PhantomData<fn() -> T>;
