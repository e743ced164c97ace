//! What travels between the pool and its workers: functions (as offsets in
//! the executable; see `process/start.rs` for why an offset identifies a
//! function in every process), chunks of encoded inputs, and their results.

use super::worker::run_chunk;
use crate::pipe::Connection;
use crate::process::{address_of, offset_of};
use crate::{Error, Result};
use nix::errno::Errno;
use nix::sys::socket::{MsgFlags, recv, send};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::os::fd::{AsFd, AsRawFd};
use std::sync::Arc;

/// Runs a function over a chunk: `args` holds `count` encoded inputs one
/// after another; the answer holds `count` outcomes (see [`push_outcome`]).
/// Whole chunks travel as one buffer each: no allocation per input.
type ChunkEntry = fn(target: usize, args: &[u8], count: usize) -> Vec<u8>;

#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub(super) struct Func {
    entry: isize,
    target: isize,
}

impl Func {
    pub(super) fn of<A: DeserializeOwned, R: Serialize>(f: fn(A) -> R) -> Func {
        fn entry<A: DeserializeOwned, R: Serialize>(
            target: usize,
            args: &[u8],
            count: usize,
        ) -> Vec<u8> {
            // SAFETY: `target` was made from a `fn(A) -> R` of this same executable.
            let f = unsafe { std::mem::transmute::<usize, fn(A) -> R>(target) };
            run_chunk(args, count, f)
        }
        Func {
            entry: offset_of(entry::<A, R> as ChunkEntry as usize),
            target: offset_of(f as usize),
        }
    }

    pub(super) fn of2<A: DeserializeOwned, B: DeserializeOwned, R: Serialize>(
        f: fn(A, B) -> R,
    ) -> Func {
        fn entry<A: DeserializeOwned, B: DeserializeOwned, R: Serialize>(
            target: usize,
            args: &[u8],
            count: usize,
        ) -> Vec<u8> {
            // SAFETY: `target` was made from a `fn(A, B) -> R` of this same executable.
            let f = unsafe { std::mem::transmute::<usize, fn(A, B) -> R>(target) };
            run_chunk(args, count, |(a, b): (A, B)| f(a, b))
        }
        Func {
            entry: offset_of(entry::<A, B, R> as ChunkEntry as usize),
            target: offset_of(f as usize),
        }
    }

    pub(super) fn call(&self, args: &[u8], count: usize) -> Vec<u8> {
        // SAFETY: `entry` was made from a `ChunkEntry` of this same executable.
        let entry = unsafe { std::mem::transmute::<usize, ChunkEntry>(address_of(self.entry)) };
        entry(address_of(self.target), args, count)
    }
}

/// Appends one input's outcome to a chunk's results: its encoded length (8
/// bytes, little-endian), then the encoded `Result<R, String>`. Each outcome
/// stands alone, so one that cannot be encoded (here) or decoded (in the
/// parent) fails that input only and takes no other input's place. A
/// result that cannot be encoded becomes an `Err` saying so; an `Err` is
/// encoded the same whatever `R` is.
pub(super) fn push_outcome<R: Serialize>(
    out: &mut Vec<u8>,
    outcome: &std::result::Result<R, String>,
) {
    let start = out.len();
    out.extend_from_slice(&[0; 8]);
    if let Err(e) = postcard::to_extend(outcome, Tail(out)) {
        // The serializer may have written part of it before failing.
        out.truncate(start + 8);
        let failed: std::result::Result<(), String> = Err(format!("cannot encode its result: {e}"));
        if postcard::to_extend(&failed, Tail(out)).is_err() {
            // Cannot happen for a string; an empty outcome then fails to
            // decode, which is still that input's failure alone.
            out.truncate(start + 8);
        }
    }
    let len = (out.len() - start - 8) as u64;
    out[start..start + 8].copy_from_slice(&len.to_le_bytes());
}

/// Each input's encoded outcome in a chunk's results (see
/// [`push_outcome`]); `None` for those missing from a short buffer.
pub(super) fn outcomes(mut bytes: &[u8], count: usize) -> Vec<Option<&[u8]>> {
    (0..count)
        .map(|_| {
            let (head, rest) = bytes.split_first_chunk::<8>()?;
            let len = usize::try_from(u64::from_le_bytes(*head)).ok()?;
            let (one, rest) = rest.split_at_checked(len)?;
            bytes = rest;
            Some(one)
        })
        .collect()
}

/// Lets postcard append to a vector it does not own, so that a failed
/// encoding does not lose what the vector held.
struct Tail<'a>(&'a mut Vec<u8>);

impl Extend<u8> for Tail<'_> {
    fn extend<T: IntoIterator<Item = u8>>(&mut self, iter: T) {
        self.0.extend(iter);
    }
}

/// What the pool sends a worker. The pool sends the arguments by
/// reference (`ToWorker<&[u8]>`), the worker receives them owned: both
/// encode as the same sequence of bytes.
#[derive(Serialize, Deserialize)]
pub(super) enum ToWorker<Args = Vec<u8>> {
    Task {
        id: TaskId,
        func: Func,
        count: usize,
        args: Args,
    },
    Stop,
}

/// What a worker sends the pool: first whether its initializer worked,
/// then one `Done` per chunk.
#[derive(Serialize, Deserialize)]
pub(super) enum FromWorker {
    /// Ready for tasks (the initializer, if any, has run).
    Ready,
    /// The initializer failed, with this message; the worker has stopped.
    InitFailed(String),
    Done(Done),
}

#[derive(Serialize, Deserialize)]
pub(super) struct Done {
    pub(super) id: TaskId,
    pub(super) count: usize,
    /// Each input's outcome (see [`push_outcome`]).
    pub(super) results: Vec<u8>,
}

/// A chunk of a job: the job, and the index of the chunk's first input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub(super) struct TaskId {
    pub(super) job: u64,
    pub(super) first: usize,
}

/// The pool's end of a worker's connection, which never blocks: what the
/// socket does not take now waits in `out`, and what arrives collects in
/// `inbox` until a whole frame is there. A blocking send could wait for
/// ever: a worker holds two chunks, and while the pool is stuck sending
/// it a big one, the worker is stuck sending a big result nobody reads.
/// Frames are those of [`Connection::send`]: 8 bytes of length, then the
/// encoded message.
pub(super) struct Link {
    /// Shared with whoever polls it without holding the pool's lock: the
    /// descriptor stays open (and means this worker) while they do.
    conn: Arc<Connection>,
    /// Frames to send; `out[written..]` has not gone yet.
    out: Vec<u8>,
    written: usize,
    /// `inbox[..filled]` has arrived: whole frames, maybe part of one.
    inbox: Vec<u8>,
    filled: usize,
    /// A send failed: nothing more can go to this worker.
    broken: bool,
}

/// How much to read at a time when the size of what comes is not known.
const READ_AHEAD: usize = 64 * 1024;

impl Link {
    pub(super) fn new(conn: Connection) -> Link {
        Link {
            conn: Arc::new(conn),
            out: Vec::new(),
            written: 0,
            inbox: Vec::new(),
            filled: 0,
            broken: false,
        }
    }

    pub(super) fn conn(&self) -> &Arc<Connection> {
        &self.conn
    }

    /// True once a send has failed: the worker is gone (or unreachable).
    pub(super) fn is_broken(&self) -> bool {
        self.broken
    }

    /// True while some of what was sent has not gone out yet (and still
    /// may).
    pub(super) fn has_unsent(&self) -> bool {
        !self.broken && self.written < self.out.len()
    }

    /// Queues a message and sends what the socket takes now. An error means
    /// the worker has gone (or the message cannot be encoded).
    pub(super) fn send<T: Serialize>(&mut self, message: &T) -> Result<()> {
        let start = self.out.len();
        self.out.extend_from_slice(&[0; 8]);
        if let Err(e) = postcard::to_extend(message, Tail(&mut self.out)) {
            self.out.truncate(start);
            return Err(e.into());
        }
        let len = (self.out.len() - start - 8) as u64;
        self.out[start..start + 8].copy_from_slice(&len.to_le_bytes());
        crate::timeline::sent(crate::timeline::PIPE, &self.out[start + 8..]);
        self.flush()
    }

    /// Sends what is queued, as far as the socket takes it without waiting.
    pub(super) fn flush(&mut self) -> Result<()> {
        if self.broken {
            return Err(Error::eof("the connection to this worker is broken"));
        }
        let fd = self.conn.as_fd().as_raw_fd();
        let flags = MsgFlags::MSG_DONTWAIT | MsgFlags::MSG_NOSIGNAL;
        while self.has_unsent() {
            match send(fd, &self.out[self.written..], flags) {
                Ok(n) => self.written += n,
                Err(Errno::EINTR) => {}
                Err(Errno::EAGAIN) => return Ok(()),
                Err(Errno::EPIPE | Errno::ECONNRESET) => {
                    self.broken = true;
                    return Err(Error::eof("the worker's end of the connection is closed"));
                }
                Err(e) => {
                    self.broken = true;
                    return Err(e.into());
                }
            }
        }
        self.out.clear();
        self.written = 0;
        Ok(())
    }

    /// Sends what is queued, waiting as long as it takes: for the end, when
    /// the worker is idle and reading.
    pub(super) fn flush_all(&mut self) -> Result<()> {
        loop {
            self.flush()?;
            if !self.has_unsent() {
                return Ok(());
            }
            let mut fds = [nix::poll::PollFd::new(
                self.conn.as_fd(),
                nix::poll::PollFlags::POLLOUT,
            )];
            match nix::poll::poll(&mut fds, nix::poll::PollTimeout::NONE) {
                Ok(_) | Err(Errno::EINTR) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Reads what has arrived, without waiting, and decodes every whole
    /// message in it. `closed` is true once the worker's end is closed and
    /// everything before that has been read.
    pub(super) fn receive<T: DeserializeOwned>(&mut self) -> Result<Received<T>> {
        let fd = self.conn.as_fd().as_raw_fd();
        let mut closed = false;
        loop {
            // Room for the rest of the frame being read, or a little more.
            let want = self.frame_end().unwrap_or(0).max(self.filled + READ_AHEAD);
            if self.inbox.len() < want {
                self.inbox.resize(want, 0);
            }
            // Read until there is nothing more: an end of file right behind
            // the last message is then seen at once, and the worker buried.
            match recv(fd, &mut self.inbox[self.filled..], MsgFlags::MSG_DONTWAIT) {
                Ok(0) => {
                    closed = true;
                    break;
                }
                Ok(n) => self.filled += n,
                Err(Errno::EINTR) => {}
                Err(Errno::EAGAIN) => break,
                Err(Errno::ECONNRESET) => {
                    closed = true;
                    break;
                }
                Err(e) => return Err(e.into()),
            }
        }
        let mut messages = Vec::new();
        while let Some(end) = self.frame_end().filter(|&end| end <= self.filled) {
            crate::timeline::received(crate::timeline::PIPE, &self.inbox[8..end]);
            messages.push(postcard::from_bytes(&self.inbox[8..end])?);
            self.inbox.copy_within(end..self.filled, 0);
            self.filled -= end;
        }
        if closed && self.filled > 0 {
            return Err(Error::eof(
                "the worker closed its end in the middle of a message (did it die?)",
            ));
        }
        Ok(Received { messages, closed })
    }

    /// Where the first frame in `inbox` ends, once its length is there.
    fn frame_end(&self) -> Option<usize> {
        let (head, _) = self.inbox[..self.filled].split_first_chunk::<8>()?;
        usize::try_from(u64::from_le_bytes(*head))
            .ok()?
            .checked_add(8)
    }
}

/// What [`Link::receive`] found.
pub(super) struct Received<T> {
    pub(super) messages: Vec<T>,
    pub(super) closed: bool,
}
