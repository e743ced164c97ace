//! `Manager`: the counterpart of Python's `multiprocessing.Manager`.
//!
//! A manager is a server process that owns data (here dictionaries and
//! lists); other processes hold *proxies* and work on the data through
//! them, each operation a request to the server and a reply. The data is
//! never shared memory: it lives in one process, so any serializable type
//! can be stored, at the cost of a round trip per operation.
//!
//! Who may talk to the server? Python's manager listens on a socket with an
//! address and checks an authentication key. This one has no address at
//! all: each process gets its own connection, a socket pair made by the
//! server and handed over as a descriptor when a proxy is given to a child.
//! A process that was not given one has nothing to connect to, and nothing
//! is left in the file system when the program ends, however it ends.

use crate::fds::Inherit;
use crate::pipe::{Connection, pipe};
use crate::{Error, Process, Result};
use nix::sys::socket::{ControlMessage, ControlMessageOwned, MsgFlags, recvmsg, sendmsg};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{IoSlice, IoSliceMut};
use std::marker::PhantomData;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::{Arc, Mutex, mpsc};

type Bytes = Vec<u8>;

#[derive(Serialize, Deserialize, Debug)]
enum Request {
    NewDict,
    NewList,
    /// Make a connection for another process; its descriptor follows the reply.
    Connect,
    Shutdown,
    DictSet {
        id: usize,
        key: Bytes,
        value: Bytes,
    },
    DictGet {
        id: usize,
        key: Bytes,
    },
    DictRemove {
        id: usize,
        key: Bytes,
    },
    DictLen {
        id: usize,
    },
    DictItems {
        id: usize,
    },
    ListPush {
        id: usize,
        value: Bytes,
    },
    ListGet {
        id: usize,
        index: usize,
    },
    ListSet {
        id: usize,
        index: usize,
        value: Bytes,
    },
    ListLen {
        id: usize,
    },
    ListItems {
        id: usize,
    },
}

#[derive(Serialize, Deserialize, Debug)]
enum Reply {
    Done,
    Id(usize),
    Value(Option<Bytes>),
    Len(usize),
    Pairs(Vec<(Bytes, Bytes)>),
    Values(Vec<Bytes>),
    Failed(String),
}

// ---------------------------------------------------------------------------
// The server.

#[derive(Default)]
struct Objects {
    dicts: Vec<BTreeMap<Bytes, Bytes>>,
    lists: Vec<Vec<Bytes>>,
}

fn handle(objects: &Mutex<Objects>, request: Request) -> Reply {
    let mut o = objects.lock().unwrap_or_else(|p| p.into_inner());
    let missing = || Reply::Failed("no such object".into());
    match request {
        Request::NewDict => {
            o.dicts.push(BTreeMap::new());
            Reply::Id(o.dicts.len() - 1)
        }
        Request::NewList => {
            o.lists.push(Vec::new());
            Reply::Id(o.lists.len() - 1)
        }
        Request::DictSet { id, key, value } => match o.dicts.get_mut(id) {
            Some(d) => {
                d.insert(key, value);
                Reply::Done
            }
            None => missing(),
        },
        Request::DictGet { id, key } => o
            .dicts
            .get(id)
            .map_or_else(missing, |d| Reply::Value(d.get(&key).cloned())),
        Request::DictRemove { id, key } => match o.dicts.get_mut(id) {
            Some(d) => Reply::Value(d.remove(&key)),
            None => missing(),
        },
        Request::DictLen { id } => o
            .dicts
            .get(id)
            .map_or_else(missing, |d| Reply::Len(d.len())),
        Request::DictItems { id } => o.dicts.get(id).map_or_else(missing, |d| {
            Reply::Pairs(d.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        }),
        Request::ListPush { id, value } => match o.lists.get_mut(id) {
            Some(l) => {
                l.push(value);
                Reply::Done
            }
            None => missing(),
        },
        Request::ListGet { id, index } => match o.lists.get(id) {
            Some(l) => Reply::Value(l.get(index).cloned()),
            None => missing(),
        },
        Request::ListSet { id, index, value } => match o.lists.get_mut(id) {
            Some(l) if index < l.len() => {
                l[index] = value;
                Reply::Done
            }
            Some(l) => Reply::Failed(format!("index {index} out of range (length {})", l.len())),
            None => missing(),
        },
        Request::ListLen { id } => o
            .lists
            .get(id)
            .map_or_else(missing, |l| Reply::Len(l.len())),
        Request::ListItems { id } => o
            .lists
            .get(id)
            .map_or_else(missing, |l| Reply::Values(l.clone())),
        Request::Connect | Request::Shutdown => Reply::Failed("handled by the connection".into()),
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
fn serve_connection(conn: Connection, objects: Arc<Mutex<Objects>>, events: mpsc::Sender<Event>) {
    std::thread::spawn(move || {
        // Until end of file (or a broken peer): then this client is gone.
        while let Ok(request) = conn.recv::<Request>() {
            let outcome = match request {
                Request::Shutdown => {
                    let _ = conn.send(&Reply::Done);
                    let _ = events.send(Event::Shutdown);
                    break;
                }
                Request::Connect => (|| -> Result<()> {
                    let (mine, theirs) = pipe(true)?;
                    conn.send(&Reply::Done)?;
                    send_fd(conn.as_fd().as_raw_fd(), theirs.into_fd().as_raw_fd())?;
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
/// asked to shut down.
fn serve(first: Connection) -> Result<()> {
    let objects = Arc::new(Mutex::new(Objects::default()));
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

fn send_fd(socket: RawFd, fd: RawFd) -> Result<()> {
    let fds = [fd];
    let iov = [IoSlice::new(&[0u8])];
    // A signal arriving meanwhile (EINTR) is no reason to fail: try again.
    loop {
        match sendmsg::<()>(
            socket,
            &iov,
            &[ControlMessage::ScmRights(&fds)],
            MsgFlags::MSG_NOSIGNAL,
            None,
        ) {
            Err(nix::errno::Errno::EINTR) => continue,
            other => return other.map(drop).map_err(Into::into),
        }
    }
}

fn recv_fd(socket: RawFd) -> Result<OwnedFd> {
    let mut byte = [0u8; 1];
    let mut iov = [IoSliceMut::new(&mut byte)];
    let mut space = nix::cmsg_space!([RawFd; 1]);
    let msg = loop {
        match recvmsg::<()>(
            socket,
            &mut iov,
            Some(&mut space),
            MsgFlags::MSG_CMSG_CLOEXEC,
        ) {
            Err(nix::errno::Errno::EINTR) => continue,
            other => break other?,
        }
    };
    for cmsg in msg.cmsgs()? {
        if let ControlMessageOwned::ScmRights(fds) = cmsg
            && let Some(&fd) = fds.first()
        {
            // SAFETY: the kernel just gave us this descriptor.
            return Ok(unsafe { OwnedFd::from_raw_fd(fd) });
        }
    }
    Err(Error::new("the manager sent no connection"))
}

// ---------------------------------------------------------------------------
// The client side.

/// One process's connection to the server, shared by its proxies.
struct Client {
    conn: Mutex<Connection>,
}

impl Client {
    fn call(&self, request: &Request) -> Result<Reply> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let ended = |e: Error| {
            if e.is_eof() {
                Error::eof("the manager process has ended")
            } else {
                e
            }
        };
        conn.send(request).map_err(ended)?;
        match conn.recv::<Reply>().map_err(ended)? {
            Reply::Failed(why) => Err(Error::new(format!("manager: {why}"))),
            reply => Ok(reply),
        }
    }

    /// A new connection to the server, for another process.
    fn connect(&self) -> Result<Connection> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        conn.send(&Request::Connect)?;
        conn.recv::<Reply>()?;
        let fd = recv_fd(conn.as_fd().as_raw_fd())?;
        Ok(Connection::from_fd(Inherit::new(fd)))
    }

    fn id(&self, request: Request) -> Result<usize> {
        match self.call(&request)? {
            Reply::Id(id) => Ok(id),
            other => Err(unexpected(other)),
        }
    }
}

fn unexpected(reply: Reply) -> Error {
    Error::new(format!("manager: unexpected reply {reply:?}"))
}

fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Bytes> {
    Ok(postcard::to_stdvec(value)?)
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    Ok(postcard::from_bytes(bytes)?)
}

/// A proxy, as it travels to a child: a connection of its own, and which
/// object it stands for. A proxy is serialized only as a Process argument.
fn serialize_proxy<S: serde::Serializer>(
    client: &Client,
    id: usize,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    let conn = client.connect().map_err(serde::ser::Error::custom)?;
    (conn, id).serialize(s)
}

fn deserialize_proxy<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<(Arc<Client>, usize), D::Error> {
    let (conn, id) = <(Connection, usize)>::deserialize(d)?;
    Ok((
        Arc::new(Client {
            conn: Mutex::new(conn),
        }),
        id,
    ))
}

/// The manager: a server process and this process's connection to it.
pub struct Manager {
    client: Arc<Client>,
    server: Process,
}

impl Manager {
    /// Starts the server process (Python's `multiprocessing.Manager()`).
    pub fn start() -> Result<Manager> {
        let (mine, theirs) = pipe(true)?;
        // A daemon: if proxies outlive the program's main body, the server
        // is stopped at exit instead of being waited for.
        let server = Process::with_args(serve, theirs).daemon(true);
        // Python names it after the class: `SyncManager-1`.
        let name = server.get_name().replacen("Process", "SyncManager", 1);
        let mut server = server.name(name);
        server.start()?;
        Ok(Manager {
            client: Arc::new(Client {
                conn: Mutex::new(mine),
            }),
            server,
        })
    }

    /// A new, empty dictionary in the server (Python's `manager.dict()`).
    pub fn dict<K, V>(&self) -> Result<DictProxy<K, V>> {
        Ok(DictProxy {
            id: self.client.id(Request::NewDict)?,
            client: self.client.clone(),
            _types: PhantomData,
        })
    }

    /// A new, empty list in the server (Python's `manager.list()`).
    pub fn list<T>(&self) -> Result<ListProxy<T>> {
        Ok(ListProxy {
            id: self.client.id(Request::NewList)?,
            client: self.client.clone(),
            _types: PhantomData,
        })
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

/// A dictionary in the manager's process (Python's `DictProxy`). Keys come
/// back in key order from [`DictProxy::items`].
pub struct DictProxy<K, V> {
    client: Arc<Client>,
    id: usize,
    _types: PhantomData<fn() -> (K, V)>,
}

impl<K, V> Clone for DictProxy<K, V> {
    fn clone(&self) -> Self {
        DictProxy {
            client: self.client.clone(),
            id: self.id,
            _types: PhantomData,
        }
    }
}

impl<K: Serialize + DeserializeOwned + Ord, V: Serialize + DeserializeOwned> DictProxy<K, V> {
    /// `d[key] = value`
    pub fn set(&self, key: &K, value: &V) -> Result<()> {
        let request = Request::DictSet {
            id: self.id,
            key: encode(key)?,
            value: encode(value)?,
        };
        match self.client.call(&request)? {
            Reply::Done => Ok(()),
            other => Err(unexpected(other)),
        }
    }

    /// `d.get(key)`
    pub fn get(&self, key: &K) -> Result<Option<V>> {
        match self.client.call(&Request::DictGet {
            id: self.id,
            key: encode(key)?,
        })? {
            Reply::Value(v) => v.map(|b| decode(&b)).transpose(),
            other => Err(unexpected(other)),
        }
    }

    /// `d.pop(key, None)`
    pub fn remove(&self, key: &K) -> Result<Option<V>> {
        match self.client.call(&Request::DictRemove {
            id: self.id,
            key: encode(key)?,
        })? {
            Reply::Value(v) => v.map(|b| decode(&b)).transpose(),
            other => Err(unexpected(other)),
        }
    }

    pub fn len(&self) -> Result<usize> {
        match self.client.call(&Request::DictLen { id: self.id })? {
            Reply::Len(n) => Ok(n),
            other => Err(unexpected(other)),
        }
    }

    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.len()? == 0)
    }

    /// Every pair, in key order.
    pub fn items(&self) -> Result<Vec<(K, V)>> {
        match self.client.call(&Request::DictItems { id: self.id })? {
            Reply::Pairs(pairs) => {
                let mut items = pairs
                    .iter()
                    .map(|(k, v)| Ok((decode(k)?, decode(v)?)))
                    .collect::<Result<Vec<(K, V)>>>()?;
                items.sort_by(|a, b| a.0.cmp(&b.0));
                Ok(items)
            }
            other => Err(unexpected(other)),
        }
    }
}

impl<K, V> Serialize for DictProxy<K, V> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        serialize_proxy(&self.client, self.id, s)
    }
}

impl<'de, K, V> Deserialize<'de> for DictProxy<K, V> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let (client, id) = deserialize_proxy(d)?;
        Ok(DictProxy {
            client,
            id,
            _types: PhantomData,
        })
    }
}

/// A list in the manager's process (Python's `ListProxy`).
pub struct ListProxy<T> {
    client: Arc<Client>,
    id: usize,
    _types: PhantomData<fn() -> T>,
}

impl<T> Clone for ListProxy<T> {
    fn clone(&self) -> Self {
        ListProxy {
            client: self.client.clone(),
            id: self.id,
            _types: PhantomData,
        }
    }
}

impl<T: Serialize + DeserializeOwned> ListProxy<T> {
    /// `l.append(value)`
    pub fn push(&self, value: &T) -> Result<()> {
        match self.client.call(&Request::ListPush {
            id: self.id,
            value: encode(value)?,
        })? {
            Reply::Done => Ok(()),
            other => Err(unexpected(other)),
        }
    }

    /// `l[index]`, or `None` past the end.
    pub fn get(&self, index: usize) -> Result<Option<T>> {
        match self.client.call(&Request::ListGet { id: self.id, index })? {
            Reply::Value(v) => v.map(|b| decode(&b)).transpose(),
            other => Err(unexpected(other)),
        }
    }

    /// `l[index] = value`
    pub fn set(&self, index: usize, value: &T) -> Result<()> {
        let request = Request::ListSet {
            id: self.id,
            index,
            value: encode(value)?,
        };
        match self.client.call(&request)? {
            Reply::Done => Ok(()),
            other => Err(unexpected(other)),
        }
    }

    pub fn len(&self) -> Result<usize> {
        match self.client.call(&Request::ListLen { id: self.id })? {
            Reply::Len(n) => Ok(n),
            other => Err(unexpected(other)),
        }
    }

    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.len()? == 0)
    }

    pub fn items(&self) -> Result<Vec<T>> {
        match self.client.call(&Request::ListItems { id: self.id })? {
            Reply::Values(values) => values.iter().map(|b| decode(b)).collect(),
            other => Err(unexpected(other)),
        }
    }
}

impl<T> Serialize for ListProxy<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        serialize_proxy(&self.client, self.id, s)
    }
}

impl<'de, T> Deserialize<'de> for ListProxy<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let (client, id) = deserialize_proxy(d)?;
        Ok(ListProxy {
            client,
            id,
            _types: PhantomData,
        })
    }
}
