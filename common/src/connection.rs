//! `connection`: the counterpart of Python's `multiprocessing.connection`.
//!
//! - [`Listener`] and [`client`]: connections between processes that are
//!   *not* parent and child, by address: a Unix socket path or TCP on
//!   localhost ([`Address`]). With an authentication key, each side proves
//!   to the other that it knows the key before anything else is exchanged
//!   ([`deliver_challenge`], [`answer_challenge`]), so another local
//!   process that finds the address cannot get in.
//! - [`wait`]: wait for the first of several connections, process
//!   sentinels or descriptors to be ready.
//!
//! A connection made here is an ordinary [`Connection`] (the same frames as
//! a [`crate::pipe`]'s), so it can also be handed to a child process.
//!
//! The handshake is Python 3.12's: a 40-byte random challenge prefixed
//! with the digest's name, `{sha256}`, answered with `{sha256}` and the
//! HMAC-SHA256 of the whole challenge under the key, then `#WELCOME#` or
//! `#FAILURE#`; first the listener challenges the client, then the client
//! the listener. (The frames are this crate's, so a Rust process cannot
//! talk to a Python one all the same.)

use crate::fds::Inherit;
use crate::pipe::Connection;
use crate::{Error, Kind, Result};
use hmac::{KeyInit, Mac};
use nix::poll::{PollFd, PollFlags, poll};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// Where a [`Listener`] listens (Python's address: a path string for
/// `AF_UNIX`, a `(host, port)` tuple for `AF_INET`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Address {
    /// A Unix socket: a file in the file system, removed when the
    /// [`Listener`] is closed.
    Unix(PathBuf),
    /// A TCP socket; port 0 asks for any free port ([`Listener::address`]
    /// then tells which). Meant for localhost: the key authenticates, it
    /// does not encrypt.
    Tcp(SocketAddr),
}

impl Address {
    /// A fresh Unix socket path in the temporary directory (`$TMPDIR`),
    /// as Python's `arbitrary_address('AF_UNIX')` gives.
    pub fn arbitrary_unix() -> Result<Address> {
        let name = format!("listener-{}-{}", std::process::id(), hex(&random_bytes(6)?));
        Ok(Address::Unix(std::env::temp_dir().join(name)))
    }

    /// Any free TCP port on localhost (`127.0.0.1:0`).
    pub fn localhost_tcp() -> Address {
        Address::Tcp(SocketAddr::from(([127, 0, 0, 1], 0)))
    }
}

/// `unix:<path>` or `tcp:<ip>:<port>`, the form [`Address`]'s `FromStr` reads.
impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Unix(path) => write!(f, "unix:{}", path.display()),
            Address::Tcp(addr) => write!(f, "tcp:{addr}"),
        }
    }
}

impl std::str::FromStr for Address {
    type Err = Error;

    /// Reads `unix:<path>` or `tcp:<ip>:<port>`.
    fn from_str(s: &str) -> Result<Address> {
        if let Some(path) = s.strip_prefix("unix:") {
            Ok(Address::Unix(path.into()))
        } else if let Some(addr) = s.strip_prefix("tcp:") {
            addr.parse()
                .map(Address::Tcp)
                .map_err(|e| Error::usage(format!("bad TCP address '{addr}': {e}")))
        } else {
            Err(Error::usage(format!(
                "bad address '{s}': expected unix:<path> or tcp:<ip>:<port>"
            )))
        }
    }
}

enum Socket {
    Unix(UnixListener),
    Tcp(TcpListener),
}

/// A socket that accepts connections (Python's
/// `multiprocessing.connection.Listener`).
///
/// ```no_run
/// use common::connection::{Address, Listener};
///
/// let listener = Listener::bind(Address::localhost_tcp(), Some(b"secret"))?;
/// let address = listener.address().clone();
/// // Another program connects with `client(&address, Some(b"secret"))?`.
/// let conn = listener.accept()?;
/// conn.send(&"hello")?;
/// # Ok::<(), common::Error>(())
/// ```
pub struct Listener {
    socket: Socket,
    address: Address,
    authkey: Option<Vec<u8>>,
    /// The process that made the socket file: the only one to remove it.
    owner: u32,
}

impl Listener {
    /// Listens at `address` (Python's `Listener(address, authkey=...)`).
    /// With `authkey`, every connection accepted must prove it knows the
    /// key, and is told that this side knows it too. A Unix socket path
    /// that already exists is an error, as in Python.
    pub fn bind(address: Address, authkey: Option<&[u8]>) -> Result<Listener> {
        let (socket, address) = match address {
            Address::Unix(path) => {
                let socket = UnixListener::bind(&path)
                    .map_err(|e| Error::new(format!("cannot listen at {}: {e}", path.display())))?;
                (Socket::Unix(socket), Address::Unix(path))
            }
            Address::Tcp(addr) => {
                let socket = TcpListener::bind(addr)
                    .map_err(|e| Error::new(format!("cannot listen at {addr}: {e}")))?;
                let addr = socket.local_addr()?;
                (Socket::Tcp(socket), Address::Tcp(addr))
            }
        };
        Ok(Listener {
            socket,
            address,
            authkey: authkey.map(<[u8]>::to_vec),
            owner: std::process::id(),
        })
    }

    /// Waits for a connection and returns it (Python's `accept()`). With a
    /// key, a peer that fails the challenge is a [`Kind::Authentication`]
    /// error; the listener stays usable for the next one.
    pub fn accept(&self) -> Result<Connection> {
        let fd: OwnedFd = match &self.socket {
            Socket::Unix(l) => l.accept()?.0.into(),
            Socket::Tcp(l) => {
                let (stream, _) = l.accept()?;
                // Small request-reply messages: send each at once.
                stream.set_nodelay(true)?;
                stream.into()
            }
        };
        let conn = Connection::from_fd(Inherit::new(fd));
        if let Some(key) = &self.authkey {
            deliver_challenge(&conn, key)?;
            answer_challenge(&conn, key)?;
        }
        Ok(conn)
    }

    /// Where this listener listens; for TCP port 0, the port it got.
    pub fn address(&self) -> &Address {
        &self.address
    }

    /// Stops listening and removes a Unix socket's file (dropping the
    /// listener does the same).
    pub fn close(self) {}
}

impl Drop for Listener {
    fn drop(&mut self) {
        if let Address::Unix(path) = &self.address
            && std::process::id() == self.owner
        {
            let _ = std::fs::remove_file(path);
        }
    }
}

impl AsFd for Listener {
    /// Readable when a connection waits to be accepted.
    fn as_fd(&self) -> BorrowedFd<'_> {
        match &self.socket {
            Socket::Unix(l) => l.as_fd(),
            Socket::Tcp(l) => l.as_fd(),
        }
    }
}

/// Connects to a [`Listener`] (Python's `multiprocessing.connection.Client`).
/// With `authkey`, answers the listener's challenge and challenges it in
/// turn; either failing is a [`Kind::Authentication`] error.
pub fn client(address: &Address, authkey: Option<&[u8]>) -> Result<Connection> {
    let fd: OwnedFd = match address {
        Address::Unix(path) => UnixStream::connect(path)
            .map_err(|e| Error::new(format!("cannot connect to {address}: {e}")))?
            .into(),
        Address::Tcp(addr) => {
            let stream = TcpStream::connect(addr)
                .map_err(|e| Error::new(format!("cannot connect to {address}: {e}")))?;
            stream.set_nodelay(true)?;
            stream.into()
        }
    };
    let conn = Connection::from_fd(Inherit::new(fd));
    if let Some(key) = authkey {
        answer_challenge(&conn, key)?;
        deliver_challenge(&conn, key)?;
    }
    Ok(conn)
}

const CHALLENGE: &[u8] = b"#CHALLENGE#";
const WELCOME: &[u8] = b"#WELCOME#";
const FAILURE: &[u8] = b"#FAILURE#";
const DIGEST: &[u8] = b"{sha256}";
/// Random bytes in a challenge, as in Python.
const MESSAGE_LENGTH: usize = 40;
/// No handshake message is longer: a peer that announces more is refused
/// before anything is allocated.
const HANDSHAKE_MAX: usize = 256;

fn auth_error(message: impl Into<String>) -> Error {
    Error::with_kind(Kind::Authentication, message)
}

pub(crate) fn random_bytes(n: usize) -> Result<Vec<u8>> {
    let mut bytes = vec![0u8; n];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn mac(key: &[u8]) -> HmacSha256 {
    // HMAC takes a key of any length.
    <HmacSha256 as KeyInit>::new_from_slice(key).expect("HMAC accepts any key length")
}

/// Sends a random challenge and checks that the peer answers with its
/// HMAC under `authkey` (Python's `deliver_challenge`). The peer is told
/// `#WELCOME#` or `#FAILURE#`; on failure this side's error is
/// [`Kind::Authentication`].
pub fn deliver_challenge(conn: &Connection, authkey: &[u8]) -> Result<()> {
    let mut message = DIGEST.to_vec();
    message.extend(random_bytes(MESSAGE_LENGTH)?);
    conn.send_bytes(&[CHALLENGE, &message].concat())?;
    let response = conn.recv_bytes_max(HANDSHAKE_MAX)?;
    let verdict = (|| {
        let digest = response
            .strip_prefix(DIGEST)
            .ok_or_else(|| auth_error("the peer answered without the {sha256} digest prefix"))?;
        let mut expected = mac(authkey);
        expected.update(&message);
        expected
            .verify_slice(digest)
            .map_err(|_| auth_error("digest received was wrong (the peer has another authkey)"))
    })();
    match verdict {
        Ok(()) => conn.send_bytes(WELCOME),
        Err(e) => {
            // The peer may be gone already; our error is the one to tell.
            let _ = conn.send_bytes(FAILURE);
            Err(e)
        }
    }
}

/// Answers the peer's challenge with its HMAC under `authkey` (Python's
/// `answer_challenge`); a [`Kind::Authentication`] error if the peer sends
/// no challenge or rejects the answer.
pub fn answer_challenge(conn: &Connection, authkey: &[u8]) -> Result<()> {
    let message = conn.recv_bytes_max(HANDSHAKE_MAX)?;
    let challenge = message
        .strip_prefix(CHALLENGE)
        .ok_or_else(|| auth_error("protocol error: expected a challenge"))?;
    if !challenge.starts_with(DIGEST) {
        return Err(auth_error(
            "the challenge names a digest other than {sha256}",
        ));
    }
    if challenge.len() < DIGEST.len() + 20 {
        return Err(auth_error(format!(
            "challenge too short: {} bytes",
            challenge.len()
        )));
    }
    let mut answer = mac(authkey);
    answer.update(challenge);
    conn.send_bytes(&[DIGEST, &answer.finalize().into_bytes()].concat())?;
    if conn.recv_bytes_max(HANDSHAKE_MAX)? != WELCOME {
        return Err(auth_error(
            "digest sent was rejected (the peer has another authkey)",
        ));
    }
    Ok(())
}

/// Waits until at least one of `objects` is ready, or `timeout` passes
/// (`None`: for ever), and returns the indices of the ready ones, in the
/// order given; an empty list after a timeout (Python's
/// `multiprocessing.connection.wait`, which returns the objects).
///
/// Ready means: a [`Connection`] has a message or end of file to receive,
/// a process sentinel ([`crate::Process::sentinel`]) has ended, a
/// [`Listener`] has a connection to accept, any other descriptor is
/// readable.
///
/// ```no_run
/// use std::os::fd::AsFd;
/// # let (a, b) = common::pipe(true)?;
/// # let mut p = common::Process::new(|| ());
/// # p.start()?;
/// let sentinel = p.sentinel().expect("a started process");
/// let objects = [a.as_fd(), sentinel];
/// for i in common::wait(&objects, Some(std::time::Duration::from_secs(1)))? {
///     println!("{i} is ready");
/// }
/// # Ok::<(), common::Error>(())
/// ```
pub fn wait<F: AsFd>(objects: &[F], timeout: Option<Duration>) -> Result<Vec<usize>> {
    let deadline = timeout.map(|t| Instant::now() + t);
    loop {
        let mut fds: Vec<PollFd<'_>> = objects
            .iter()
            .map(|o| PollFd::new(o.as_fd(), PollFlags::POLLIN))
            .collect();
        let wait = crate::pipe::poll_timeout(crate::shm::remaining(deadline));
        match poll(&mut fds, wait) {
            Ok(0) => {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    return Ok(Vec::new());
                }
            }
            Ok(_) => {
                return Ok(fds
                    .iter()
                    .enumerate()
                    .filter(|(_, fd)| fd.revents().is_some_and(|r| !r.is_empty()))
                    .map(|(i, _)| i)
                    .collect());
            }
            Err(nix::errno::Errno::EINTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_key_passes_both_challenges() {
        let (a, b) = crate::pipe(true).unwrap();
        let t = std::thread::spawn(move || {
            deliver_challenge(&b, b"key")?;
            answer_challenge(&b, b"key")
        });
        answer_challenge(&a, b"key").unwrap();
        deliver_challenge(&a, b"key").unwrap();
        t.join().unwrap().unwrap();
    }

    #[test]
    fn another_key_fails_on_both_sides() {
        let (a, b) = crate::pipe(true).unwrap();
        let t = std::thread::spawn(move || deliver_challenge(&b, b"key"));
        let mine = answer_challenge(&a, b"other").unwrap_err();
        let theirs = t.join().unwrap().unwrap_err();
        assert_eq!(mine.kind(), Kind::Authentication, "{mine}");
        assert_eq!(theirs.kind(), Kind::Authentication, "{theirs}");
    }

    #[test]
    fn without_a_key_a_listener_and_a_client_just_connect() {
        let dir = std::env::temp_dir().join(format!("listener-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for address in [Address::Unix(dir.join("s")), Address::localhost_tcp()] {
            let listener = Listener::bind(address, None).unwrap();
            if let Address::Tcp(a) = listener.address() {
                assert_ne!(a.port(), 0, "the port it got, not 0");
            }
            let at = listener.address().clone();
            let t = std::thread::spawn(move || {
                let c = client(&at, None)?;
                c.send(&41u32)?;
                c.recv::<u32>()
            });
            let conn = listener.accept().unwrap();
            conn.send(&(conn.recv::<u32>().unwrap() + 1)).unwrap();
            assert_eq!(t.join().unwrap().unwrap(), 42);
            listener.close();
        }
        // The Unix listener removed its socket file when closed.
        assert!(!dir.join("s").exists());
        std::fs::remove_dir(&dir).unwrap();
    }

    #[test]
    fn addresses_read_back_as_written() {
        for a in ["unix:/tmp/x", "tcp:127.0.0.1:5000"] {
            assert_eq!(a.parse::<Address>().unwrap().to_string(), a);
        }
        assert!("x".parse::<Address>().is_err());
    }
}
