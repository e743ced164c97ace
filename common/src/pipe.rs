//! `Pipe`: the counterpart of Python's `multiprocessing.Pipe`.
//!
//! A pipe is a pair of [`Connection`]s. What one end sends, the other end
//! receives, whole and in order: a value (`send`/`recv`, serialized with
//! serde) or raw bytes (`send_bytes`/`recv_bytes`). Each message travels as
//! a *frame*: its length in 8 bytes, then its bytes, so the receiver knows
//! where one message ends and the next begins.
//!
//! Both kinds are real pipes, the cheapest way the kernel has to wake a
//! reader: a one-way pipe is one `pipe2`, as Python's `os.pipe()`; a
//! duplex one is two, one each way. Writing to a pipe whose reader has gone
//! raises SIGPIPE; while a [`Connection`] writes, the signal is ignored
//! (see [`sigpipe_default_except_pipe_writes`]), so that write is an error
//! the program can handle, not a death. (The manager's connections, which
//! carry descriptors too, are Unix socket pairs: [`socket_pipe`]. The
//! pool's are duplex pipes, read and written without blocking.)
//!
//! What a peer sends is not trusted: a frame announcing more than
//! [`max_message_size`] bytes is refused (the connection is then broken,
//! and says so), instead of allocating whatever the header says. Threads
//! of one process that share an end (or clones of it, [`Connection::try_clone`])
//! take turns, so their messages never interleave. Two *processes* writing
//! to one end at once is another matter: as in Python, each must have an
//! end of its own (or use a [`crate::Queue`], which is made for that).

use crate::fds::Inherit;
use crate::{Error, Kind, Result};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::socket::{AddressFamily, MsgFlags, SockFlag, SockType, send, socketpair};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::io::IoSlice;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// One end of a [`pipe`].
#[derive(Debug, Serialize, Deserialize)]
pub struct Connection {
    /// What this end reads (for an end that only sends: what it writes).
    fd: Inherit,
    /// What it writes, when that is another descriptor (a duplex pipe is
    /// two pipes); `None` when `fd` does both (a socket) or this end only
    /// reads.
    out: Option<Inherit>,
    readable: bool,
    writable: bool,
    /// Shared by the clones of this end in this process (a child gets its own).
    #[serde(skip)]
    local: Arc<Local>,
}

/// What the handles of one end in one process share: a turn to send, a
/// turn to receive, and why the end broke, if it did.
#[derive(Debug, Default)]
struct Local {
    sending: Mutex<()>,
    receiving: Mutex<()>,
    broken: Mutex<Option<String>>,
}

fn take(m: &Mutex<()>) -> MutexGuard<'_, ()> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

// ANCHOR: max_message
/// The largest message a process accepts, unless told otherwise: 1 GiB.
pub const DEFAULT_MAX_MESSAGE: u64 = 1 << 30;

static MAX_MESSAGE: AtomicU64 = AtomicU64::new(DEFAULT_MAX_MESSAGE);

/// The largest message (in bytes, once encoded) that this process sends or
/// receives through a [`Connection`] or a [`crate::Queue`]. A header that
/// announces more is treated as corruption, not as a reason to allocate.
pub fn max_message_size() -> u64 {
    MAX_MESSAGE.load(Ordering::Relaxed)
}

/// Changes [`max_message_size`] for this process (and for the children it
/// starts afterwards with the `fork` start method; a spawned child starts
/// with the default).
pub fn set_max_message_size(bytes: u64) {
    MAX_MESSAGE.store(bytes, Ordering::Relaxed);
}

/// The error for a length over the limit.
pub(crate) fn too_big(len: u64) -> Error {
    Error::new(format!(
        "a message of {len} bytes is over this process's limit of {} bytes \
         (common::set_max_message_size changes it)",
        max_message_size()
    ))
}

/// The length a peer's header announces, as a size to allocate: an error
/// if it is over [`max_message_size`] (checked before anything grows).
pub(crate) fn announced_len(len: u64) -> Result<usize> {
    if len > max_message_size() {
        return Err(too_big(len));
    }
    usize::try_from(len).map_err(|_| too_big(len))
}
// ANCHOR_END: max_message

/// Python's `Pipe(duplex)`: two connected ends. With `duplex`, both ends
/// send and receive; without, the first end only receives and the second
/// only sends (the order Python uses).
// ANCHOR: pipe
pub fn pipe(duplex: bool) -> Result<(Connection, Connection)> {
    guard_sigpipe();
    let (down_r, down_w) = os_pipe()?;
    if duplex {
        let (up_r, up_w) = os_pipe()?;
        Ok((
            Connection::with_ends(down_r, Some(up_w)),
            Connection::with_ends(up_r, Some(down_w)),
        ))
    } else {
        Ok((
            Connection::new(down_r, true, false),
            Connection::new(down_w, false, true),
        ))
    }
}

/// One kernel pipe, with a buffer of [`PIPE_BUFFER`] when the kernel allows
/// it (a bigger buffer wakes the reader less often for big messages).
fn os_pipe() -> Result<(Inherit, Inherit)> {
    let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
    // Refused past the system's limits (fs.pipe-max-size, or a user's total
    // of pipe pages): the default 64 KiB still works, only slower.
    let _ = nix::fcntl::fcntl(&w, nix::fcntl::FcntlArg::F_SETPIPE_SZ(PIPE_BUFFER));
    Ok((Inherit::new(r), Inherit::new(w)))
}
// ANCHOR_END: pipe

/// The buffer asked for each pipe: 1 MiB, Linux's default ceiling for
/// unprivileged processes (`/proc/sys/fs/pipe-max-size`).
const PIPE_BUFFER: libc::c_int = 1 << 20;

/// A duplex connection over a Unix socket pair: for the connections that
/// carry descriptors as well as frames (the manager's).
pub(crate) fn socket_pipe() -> Result<(Connection, Connection)> {
    let (a, b) = socket_pair()?;
    Ok((Connection::from_fd(a), Connection::from_fd(b)))
}

pub(crate) fn socket_pair() -> Result<(Inherit, Inherit)> {
    let (a, b) = socketpair(
        AddressFamily::Unix,
        SockType::Stream,
        None,
        SockFlag::SOCK_CLOEXEC,
    )?;
    Ok((Inherit::new(a), Inherit::new(b)))
}

impl Connection {
    fn new(fd: Inherit, readable: bool, writable: bool) -> Connection {
        Connection {
            fd,
            out: None,
            readable,
            writable,
            local: Arc::default(),
        }
    }

    /// A duplex end made of a pipe to read and a pipe to write.
    fn with_ends(reader: Inherit, writer: Option<Inherit>) -> Connection {
        Connection {
            out: writer,
            ..Connection::new(reader, true, true)
        }
    }

    /// The descriptor this end writes to.
    pub(crate) fn writer(&self) -> BorrowedFd<'_> {
        self.out.as_ref().unwrap_or(&self.fd).as_fd()
    }

    fn check_readable(&self) -> Result<()> {
        if !self.readable {
            return Err(Error::new("this end of the pipe only sends"));
        }
        match &*self.local.broken.lock().unwrap_or_else(|p| p.into_inner()) {
            Some(why) => Err(Error::new(format!("this connection is broken: {why}"))),
            None => Ok(()),
        }
    }

    /// Runs a receive; an error that leaves the stream out of step (a
    /// refused header, a message cut short) breaks the end for good.
    fn receiving<R>(&self, receive: impl FnOnce() -> Result<R>) -> Result<R> {
        self.check_readable()?;
        let _wait = crate::timeline::blocked("recv");
        let _turn = take(&self.local.receiving);
        let result = receive();
        // A message that did not fit the caller's buffer was read whole: the
        // stream is still in step.
        if let Err(e) = &result
            && !e.is_timeout()
            && !e.is_eof()
            && e.kind() != Kind::BufferTooShort
        {
            *self.local.broken.lock().unwrap_or_else(|p| p.into_inner()) = Some(e.to_string());
        }
        result
    }

    /// Sends a value: serialized, then framed.
    pub fn send<T: Serialize + ?Sized>(&self, value: &T) -> Result<()> {
        with_encoded(value, |bytes| self.send_bytes(bytes))
    }

    /// Receives a value sent with [`Connection::send`]. Fails with an
    /// end-of-file error ([`Error::is_eof`]) once every copy of the other end
    /// is closed and everything sent has been received.
    pub fn recv<T: DeserializeOwned>(&self) -> Result<T> {
        let frame = self.receiving(|| {
            with_frame(self.fd.as_fd(), None, |bytes| {
                crate::timeline::received(crate::timeline::PIPE, bytes);
                Ok(postcard::from_bytes::<T>(bytes))
            })
        })?;
        // A value that does not decode is the caller's type mismatch; the
        // stream itself is still in step.
        Ok(frame?)
    }

    /// [`Connection::recv`] for a message known to be the only one on its
    /// way (a reply to a request, or a request whose sender waits for the
    /// reply): the length and the first 4 KiB come in one `read` instead of
    /// two. Something behind the message (which the protocol rules out) is
    /// an error that breaks the end. Not for a connection that may carry
    /// descriptors next: the read could swallow them.
    pub(crate) fn recv_only<T: DeserializeOwned>(&self) -> Result<T> {
        let decoded = self.receiving(|| {
            with_receive_buffer(|buffer| {
                let len = read_only_frame(self.fd.as_fd(), buffer)?;
                Ok(postcard::from_bytes::<T>(&buffer[..len]))
            })
        })?;
        Ok(decoded?)
    }

    /// Sends raw bytes as one message (Python's `send_bytes`).
    pub fn send_bytes(&self, bytes: &[u8]) -> Result<()> {
        if !self.writable {
            return Err(Error::new("this end of the pipe only receives"));
        }
        if bytes.len() as u64 > max_message_size() {
            return Err(too_big(bytes.len() as u64));
        }
        let _turn = take(&self.local.sending);
        crate::timeline::sent(crate::timeline::PIPE, bytes);
        write_frame(self.writer(), bytes)
    }

    /// Sends `size` bytes of `bytes` from `offset` as one message (Python's
    /// `send_bytes(buf, offset, size)`; `None` for `size` means to the end).
    /// An offset or size past the end is a [`Kind::Value`] error, and
    /// nothing is sent.
    ///
    /// ```no_run
    /// let (a, b) = common::pipe(true)?;
    /// a.send_bytes_range(b"hello world", 6, Some(5))?;
    /// assert_eq!(b.recv_bytes()?, b"world");
    /// # Ok::<(), common::Error>(())
    /// ```
    pub fn send_bytes_range(&self, bytes: &[u8], offset: usize, size: Option<usize>) -> Result<()> {
        if offset > bytes.len() {
            return Err(Error::with_kind(
                Kind::Value,
                format!(
                    "offset {offset} is past the end of a buffer of {} bytes",
                    bytes.len()
                ),
            ));
        }
        let size = size.unwrap_or(bytes.len() - offset);
        if size > bytes.len() - offset {
            return Err(Error::with_kind(
                Kind::Value,
                format!(
                    "offset {offset} + size {size} is past the end of a buffer of {} bytes",
                    bytes.len()
                ),
            ));
        }
        self.send_bytes(&bytes[offset..offset + size])
    }

    /// Receives one message sent as bytes (Python's `recv_bytes`).
    pub fn recv_bytes(&self) -> Result<Vec<u8>> {
        self.receiving(|| read_frame(self.fd.as_fd(), None))
            .inspect(|bytes| crate::timeline::received(crate::timeline::PIPE, bytes))
    }

    /// Receives one message of at most `max_len` bytes (Python's
    /// `recv_bytes(maxlength)`). A longer one is refused before it is read,
    /// and, as in Python, the connection is then broken: the rest of that
    /// message is still in it.
    pub fn recv_bytes_max(&self, max_len: usize) -> Result<Vec<u8>> {
        self.receiving(|| {
            let mut header = [0u8; 8];
            if !read_exact(self.fd.as_fd(), &mut header, true)? {
                return Err(Error::eof(
                    "end of file: every writing end of the pipe is closed",
                ));
            }
            let len = u64::from_le_bytes(header);
            if len > max_len as u64 {
                return Err(Error::new(format!(
                    "bad message length: {len} bytes, over the {max_len} allowed"
                )));
            }
            let mut bytes = vec![0u8; len as usize];
            read_exact(self.fd.as_fd(), &mut bytes, false)?;
            Ok(bytes)
        })
    }

    /// Receives one message into `buffer` and returns its length (Python's
    /// `recv_bytes_into`). A message longer than `buffer` is still received
    /// whole: the error ([`Kind::BufferTooShort`]) carries it, in
    /// [`Error::payload`], as Python's `BufferTooShort` carries it in
    /// `args[0]`; `buffer` is left as it was and the connection stays usable.
    ///
    /// ```no_run
    /// let (a, b) = common::pipe(true)?;
    /// a.send_bytes(b"a long message")?;
    /// let mut small = [0u8; 4];
    /// match b.recv_bytes_into(&mut small) {
    ///     Ok(n) => println!("{:?}", &small[..n]),
    ///     Err(e) if e.kind() == common::Kind::BufferTooShort => {
    ///         println!("too long, here it is: {:?}", e.payload())
    ///     }
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok::<(), common::Error>(())
    /// ```
    pub fn recv_bytes_into(&self, buffer: &mut [u8]) -> Result<usize> {
        self.receiving(|| {
            with_frame(self.fd.as_fd(), None, |bytes| {
                match buffer.get_mut(..bytes.len()) {
                    Some(start) => {
                        start.copy_from_slice(bytes);
                        Ok(bytes.len())
                    }
                    None => Err(Error::buffer_too_short(bytes.to_vec(), buffer.len())),
                }
            })
        })
    }

    /// True if this end receives (Python's `readable` property): false for
    /// the sending end of a one-way pipe.
    pub fn readable(&self) -> bool {
        self.readable
    }

    /// True if this end sends (Python's `writable` property): false for
    /// the receiving end of a one-way pipe.
    pub fn writable(&self) -> bool {
        self.writable
    }

    /// Waits at most `timeout` (for ever if `None`) until something can be
    /// received: a message, or the end of file. Python's `poll(timeout)`;
    /// like `recv`, an error on an end that only sends.
    pub fn poll(&self, timeout: Option<Duration>) -> Result<bool> {
        self.check_readable()?;
        readable(self.fd.as_fd(), timeout.map(|t| Instant::now() + t))
    }

    /// A duplex connection over an existing socket.
    pub(crate) fn from_fd(fd: Inherit) -> Connection {
        Connection::new(fd, true, true)
    }

    /// The socket of a connection made by [`socket_pipe`] or [`Connection::from_fd`].
    pub(crate) fn into_fd(self) -> Inherit {
        debug_assert!(self.out.is_none(), "a pipe's end is two descriptors");
        self.fd
    }

    /// Closes this end (dropping it does the same).
    pub fn close(self) {}

    /// Another handle on the same end, as an inherited copy of a
    /// descriptor would be. Every copy must be closed before the other end
    /// sees end-of-file.
    pub fn try_clone(&self) -> Result<Connection> {
        Ok(Connection {
            fd: self.fd.try_clone()?,
            out: self.out.as_ref().map(Inherit::try_clone).transpose()?,
            readable: self.readable,
            writable: self.writable,
            local: self.local.clone(),
        })
    }
}

// ANCHOR: frames
impl AsFd for Connection {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// Writes one frame: 8 bytes of length, little-endian, then the bytes, in
/// one `writev` when the pipe takes it all at once. SIGPIPE is ignored
/// while it runs (see [`WRITING`]), so that a reader gone makes this an
/// end-of-file error.
pub(crate) fn write_frame(fd: BorrowedFd<'_>, bytes: &[u8]) -> Result<()> {
    let header = (bytes.len() as u64).to_le_bytes();
    let (mut head, mut body): (&[u8], &[u8]) = (&header, bytes);
    writing(|| {
        loop {
            let iov = [IoSlice::new(head), IoSlice::new(body)];
            match nix::sys::uio::writev(fd, &iov) {
                Ok(n) if n >= head.len() => {
                    body = &body[n - head.len()..];
                    head = &[];
                    if body.is_empty() {
                        return Ok(());
                    }
                }
                Ok(n) => head = &head[n..],
                Err(nix::errno::Errno::EINTR) => {}
                Err(e) => return Err(send_error(e)),
            }
        }
    })
}

// ANCHOR_END: frames

// ANCHOR: sigpipe
thread_local! {
    /// True while this thread writes a frame with [`write_frame`]:
    /// a SIGPIPE raised then is that write's, and is ignored.
    static WRITING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// What SIGPIPE does in a process that uses `common`: the default (the
/// process ends, quietly: `recipe | head`), except during a
/// [`Connection`]'s write, where the write fails instead. Called by
/// `common::main`; [`pipe`] installs it too if it finds the default there.
pub(crate) fn sigpipe_default_except_pipe_writes() {
    // SAFETY: a zeroed sigaction with a handler that only reads a
    // thread-local flag and calls async-signal-safe functions.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_sigpipe as *const () as usize;
        action.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGPIPE, &action, std::ptr::null_mut());
    }
}

extern "C" fn on_sigpipe(_: libc::c_int) {
    // The signal comes to the thread whose write raised it: ignore it there.
    if WRITING.with(|w| w.get()) {
        return;
    }
    // Anyone else's broken pipe: the default action, as if we were not here.
    // SAFETY: signal and raise are async-signal-safe; SIGPIPE is blocked
    // until this handler returns, then delivered with the default action.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        libc::raise(libc::SIGPIPE);
    }
}

/// Makes sure a SIGPIPE cannot kill a [`Connection`]'s writer: if its
/// action is the default (which kills), our handler takes its place. An
/// ignored SIGPIPE (Rust's own start-up does that) or a handler of the
/// program's own already lets the write fail instead.
fn guard_sigpipe() {
    // SAFETY: sigaction with no new action only reads the current one.
    let current = unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        libc::sigaction(libc::SIGPIPE, std::ptr::null(), &mut old);
        old.sa_sigaction
    };
    if current == libc::SIG_DFL {
        sigpipe_default_except_pipe_writes();
    }
}
// ANCHOR_END: sigpipe

/// One `write`, which may take only part of `bytes` (for a non-blocking
/// pipe: the pool's), with SIGPIPE handled as in [`write_frame`]: a reader
/// gone is `EPIPE`, not the end of this process.
pub(crate) fn write_some(fd: BorrowedFd<'_>, bytes: &[u8]) -> nix::Result<usize> {
    writing(|| nix::unistd::write(fd, bytes))
}

/// Runs `write` with [`WRITING`] set: a SIGPIPE it raises is ignored.
fn writing<R>(write: impl FnOnce() -> R) -> R {
    WRITING.with(|w| w.set(true));
    let result = write();
    WRITING.with(|w| w.set(false));
    result
}

fn send_error(e: nix::errno::Errno) -> Error {
    match e {
        nix::errno::Errno::EPIPE | nix::errno::Errno::ECONNRESET => {
            Error::eof("the other end of the pipe is closed")
        }
        e => e.into(),
    }
}

pub(crate) fn send_all(fd: BorrowedFd<'_>, mut bytes: &[u8]) -> Result<()> {
    while !bytes.is_empty() {
        match send(fd.as_raw_fd(), bytes, MsgFlags::MSG_NOSIGNAL) {
            Ok(n) => bytes = &bytes[n..],
            Err(nix::errno::Errno::EINTR) => {}
            Err(e) => return Err(send_error(e)),
        }
    }
    Ok(())
}

thread_local! {
    /// Buffers reused from message to message: a big message then costs no
    /// fresh memory (fresh pages cost a page fault each, 4 KiB at a time).
    static ENCODED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    static RECEIVED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Serializes `value` into this thread's reusable buffer and hands the
/// bytes to `use_them`.
pub(crate) fn with_encoded<T: Serialize + ?Sized, R>(
    value: &T,
    use_them: impl FnOnce(&[u8]) -> Result<R>,
) -> Result<R> {
    ENCODED.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buffer) => {
            let mut bytes = std::mem::take(&mut *buffer);
            bytes.clear();
            let encoded = postcard::to_extend(value, bytes);
            match encoded {
                Ok(bytes) => {
                    let result = use_them(&bytes);
                    *buffer = bytes;
                    result
                }
                Err(e) => Err(e.into()),
            }
        }
        // Already in use further up this thread's stack: a buffer of its own.
        Err(_) => use_them(&postcard::to_stdvec(value)?),
    })
}

/// Reads one frame into this thread's reusable buffer and hands the bytes
/// to `use_them` (see [`read_frame_into`] for `deadline`).
pub(crate) fn with_frame<R>(
    fd: BorrowedFd<'_>,
    deadline: Option<Instant>,
    use_them: impl FnOnce(&[u8]) -> Result<R>,
) -> Result<R> {
    with_receive_buffer(|buffer| {
        read_frame_into(fd, deadline, buffer)?;
        use_them(buffer)
    })
}

/// Runs `f` with this thread's reusable receive buffer, or with a fresh
/// one when that is already in use further up this thread's stack.
fn with_receive_buffer<R>(f: impl FnOnce(&mut Vec<u8>) -> Result<R>) -> Result<R> {
    RECEIVED.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buffer) => f(&mut buffer),
        Err(_) => f(&mut Vec::new()),
    })
}

/// Reads one frame. With a `deadline`, waits at most until then for its
/// first byte; without, as long as it takes. Once a frame has begun, its
/// end must follow: when the process at the other end dies, its end closes
/// and the read sees end-of-file.
// ANCHOR: read_frame
pub(crate) fn read_frame_into(
    fd: BorrowedFd<'_>,
    deadline: Option<Instant>,
    bytes: &mut Vec<u8>,
) -> Result<()> {
    // Only a deadline needs a poll first: otherwise a blocking read waits.
    if deadline.is_some() && !readable(fd, deadline)? {
        return Err(Error::timeout("nothing to receive in the time allowed"));
    }
    let mut header = [0u8; 8];
    if !read_exact(fd, &mut header, true)? {
        return Err(Error::eof(
            "end of file: every writing end of the pipe is closed",
        ));
    }
    // The peer's word for the length is checked before anything is allocated.
    let len = announced_len(u64::from_le_bytes(header))?;
    bytes.clear();
    bytes.resize(len, 0);
    read_exact(fd, bytes, false)?;
    Ok(())
}
// ANCHOR_END: read_frame

/// How much of a message [`Connection::recv_only`] reads with its length.
const READ_AHEAD: usize = 4096;

/// Reads the one frame on its way into `buffer` (grown to at least
/// [`READ_AHEAD`], never shrunk, so it is not zeroed again each time) and
/// returns its length: header and start in one `readv`, then the rest.
fn read_only_frame(fd: BorrowedFd<'_>, buffer: &mut Vec<u8>) -> Result<usize> {
    if buffer.len() < READ_AHEAD {
        buffer.resize(READ_AHEAD, 0);
    }
    let mut header = [0u8; 8];
    let got = loop {
        let mut iov = [
            std::io::IoSliceMut::new(&mut header),
            std::io::IoSliceMut::new(&mut buffer[..READ_AHEAD]),
        ];
        match nix::sys::uio::readv(fd, &mut iov) {
            Ok(n) => break n,
            Err(nix::errno::Errno::EINTR) => {}
            Err(nix::errno::Errno::ECONNRESET) => {
                return Err(Error::eof("the other end of the pipe is closed"));
            }
            Err(e) => return Err(e.into()),
        }
    };
    if got == 0 {
        return Err(Error::eof(
            "end of file: every writing end of the pipe is closed",
        ));
    }
    let body = if got < 8 {
        read_exact(fd, &mut header[got..], false)?;
        0
    } else {
        got - 8
    };
    let len = announced_len(u64::from_le_bytes(header))?;
    if body > len {
        return Err(Error::new(
            "a second message came behind the one expected: the two ends are out of step",
        ));
    }
    if buffer.len() < len {
        buffer.resize(len, 0);
    }
    read_exact(fd, &mut buffer[body..len], false)?;
    Ok(len)
}

/// [`read_frame_into`] a new buffer.
pub(crate) fn read_frame(fd: BorrowedFd<'_>, deadline: Option<Instant>) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    read_frame_into(fd, deadline, &mut bytes)?;
    Ok(bytes)
}

/// Fills `buf`. Returns `Ok(false)` on a clean end of file before the first
/// byte when `eof_ok`; an end of file anywhere else is an error.
pub(crate) fn read_exact(fd: BorrowedFd<'_>, buf: &mut [u8], eof_ok: bool) -> Result<bool> {
    let mut filled = 0;
    while filled < buf.len() {
        match nix::unistd::read(fd, &mut buf[filled..]) {
            Ok(0) if filled == 0 && eof_ok => return Ok(false),
            Ok(0) => {
                return Err(Error::eof(
                    "the other end closed in the middle of a message (did its process die?)",
                ));
            }
            Ok(n) => filled += n,
            // Interrupted, or (on a descriptor with a receive timeout)
            // nothing for a while: read on.
            Err(nix::errno::Errno::EINTR | nix::errno::Errno::EAGAIN) => {}
            Err(nix::errno::Errno::ECONNRESET) => {
                return Err(Error::eof("the other end of the pipe is closed"));
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(true)
}

/// `poll`'s timeout for a wait of `left` (for ever if `None`), rounded up
/// to the millisecond: waking a little late beats a busy loop of 0 ms polls.
pub(crate) fn poll_timeout(left: Option<Duration>) -> PollTimeout {
    match left {
        None => PollTimeout::NONE,
        Some(left) => {
            PollTimeout::try_from(left.as_micros().div_ceil(1000).min(i32::MAX as u128) as i32)
                .unwrap_or(PollTimeout::MAX)
        }
    }
}

/// True once `fd` can be read without blocking (data or end of file);
/// false if `deadline` passes first.
pub(crate) fn readable(fd: BorrowedFd<'_>, deadline: Option<Instant>) -> Result<bool> {
    loop {
        let timeout = poll_timeout(crate::shm::remaining(deadline));
        let mut fds = [PollFd::new(fd, PollFlags::POLLIN)];
        match poll(&mut fds, timeout) {
            Ok(0) => return Ok(false),
            Ok(_) => return Ok(true),
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_duplex_pipe_carries_values_and_bytes_both_ways() {
        let (a, b) = pipe(true).unwrap();
        a.send(&(1u8, "one".to_string())).unwrap();
        b.send_bytes(b"raw").unwrap();
        assert_eq!(b.recv::<(u8, String)>().unwrap(), (1, "one".to_string()));
        assert_eq!(a.recv_bytes().unwrap(), b"raw");
    }

    #[test]
    fn end_of_file_comes_only_when_every_writing_end_is_closed() {
        let (reader, writer) = pipe(false).unwrap();
        let copy = writer.try_clone().unwrap();
        writer.send(&7u32).unwrap();
        writer.close();
        assert_eq!(reader.recv::<u32>().unwrap(), 7);
        // The copy is still open: nothing to read, but no end-of-file either.
        assert!(!reader.poll(Some(Duration::from_millis(50))).unwrap());
        copy.close();
        assert!(reader.poll(Some(Duration::from_millis(50))).unwrap());
        assert!(reader.recv::<u32>().unwrap_err().is_eof());
    }

    #[test]
    fn a_one_way_pipe_refuses_the_wrong_direction() {
        let (reader, writer) = pipe(false).unwrap();
        assert!(reader.send(&1u8).is_err());
        assert!(writer.recv::<u8>().is_err());
    }

    #[test]
    fn sending_to_a_closed_end_is_an_error_not_a_signal() {
        let (a, b) = pipe(true).unwrap();
        b.close();
        let err = a.send(&vec![0u8; 1 << 20]).unwrap_err();
        assert!(err.is_eof(), "{err}");
    }

    #[test]
    fn recv_bytes_max_refuses_a_longer_message_and_breaks_the_end() {
        let (a, b) = pipe(true).unwrap();
        a.send_bytes(b"12345").unwrap();
        assert_eq!(b.recv_bytes_max(5).unwrap(), b"12345");
        a.send_bytes(b"123456").unwrap();
        assert!(b.recv_bytes_max(5).is_err());
        // As in Python, the connection is closed after a bad length.
        a.send_bytes(b"1").unwrap();
        assert!(b.recv_bytes().unwrap_err().to_string().contains("broken"));
    }

    #[test]
    fn a_16_mib_message_arrives_intact() {
        let (a, b) = pipe(true).unwrap();
        let big: Vec<u8> = (0..16 << 20).map(|i: u32| (i % 253) as u8).collect();
        let reader = std::thread::spawn(move || b.recv_bytes().unwrap());
        a.send_bytes(&big).unwrap();
        assert!(reader.join().unwrap() == big);
    }
}
