//! What travels between the pool and its workers: functions (as offsets in
//! the executable; see `process/start.rs` for why an offset identifies a
//! function in every process), chunks of encoded inputs, and their results.

use super::worker::run_chunk;
use crate::pipe::Connection;
use crate::process::{address_of, offset_of};
use crate::{Error, Result};
use nix::errno::Errno;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::os::fd::AsFd;
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
    /// How long the chunk ran, in nanoseconds (see `depth_after`).
    pub(super) ran_ns: u64,
}

/// A chunk of a job: the job, and the index of the chunk's first input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub(super) struct TaskId {
    pub(super) job: u64,
    pub(super) first: usize,
}

/// The pool's end of a worker's connection, which never blocks: what the
/// pipe does not take now waits in `out`, and what arrives collects in
/// `inbox` until a whole frame is there. A blocking send could wait for
/// ever: a worker holds chunks, and while the pool is stuck sending it a
/// big one, the worker is stuck sending a big result nobody reads. Frames
/// are those of [`Connection::send`]: 8 bytes of length, then the encoded
/// message.
///
/// The connection is two pipes, not a socket pair: a socket that one
/// process reads while the other sleeps reading its own end wakes that
/// sleeper for nothing (Linux wakes everyone waiting on a socket when its
/// sent data is consumed), and with tiny tasks that was one wasted wake-up
/// of a worker per result. Pipes wake readers and writers apart.
pub(super) struct Link {
    /// Shared with whoever polls it without holding the pool's lock: the
    /// descriptors stay open (and mean this worker) while they do.
    conn: Arc<Connection>,
    /// Frames to send; `out[written..]` has not gone yet.
    out: Vec<u8>,
    written: usize,
    inbox: Inbox,
    /// A send failed: nothing more can go to this worker.
    broken: bool,
}

impl Link {
    /// Takes the pool's end of a worker's [`pipe`](crate::pipe::pipe), and
    /// makes its two descriptors non-blocking (the worker's are other open
    /// files, and block).
    pub(super) fn new(conn: Connection) -> Result<Link> {
        for fd in [conn.as_fd(), conn.writer()] {
            let flags = nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_GETFL)?;
            let flags = nix::fcntl::OFlag::from_bits_retain(flags) | nix::fcntl::OFlag::O_NONBLOCK;
            nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_SETFL(flags))?;
        }
        Ok(Link {
            conn: Arc::new(conn),
            out: Vec::new(),
            written: 0,
            inbox: Inbox::default(),
            broken: false,
        })
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

    /// Queues a message and sends what the pipe takes now. An error means
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

    /// Sends what is queued, as far as the pipe takes it without waiting.
    pub(super) fn flush(&mut self) -> Result<()> {
        if self.broken {
            return Err(Error::eof("the connection to this worker is broken"));
        }
        while self.has_unsent() {
            match crate::pipe::write_some(self.conn.writer(), &self.out[self.written..]) {
                Ok(n) => self.written += n,
                Err(Errno::EINTR) => {}
                Err(Errno::EAGAIN) => return Ok(()),
                Err(Errno::EPIPE) => {
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
                self.conn.writer(),
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
    /// everything before that has been read. With `ending` (the worker is to
    /// exit after its last result), reads on until the pipe says "nothing
    /// more", so that an end of file right behind that result is seen at
    /// once and the worker buried.
    pub(super) fn receive<T: DeserializeOwned>(&mut self, ending: bool) -> Result<Received<T>> {
        let mut closed = false;
        loop {
            // Otherwise a read that fills less than the room it had has
            // emptied the pipe: no second read only to hear "nothing more"
            // (an end of file behind the last message shows at the next
            // poll).
            match self.inbox.read(self.conn.as_fd()) {
                Ok((0, _)) => {
                    closed = true;
                    break;
                }
                Ok((n, room)) if n < room && !ending => break,
                Ok(_) | Err(Errno::EINTR) => {}
                Err(Errno::EAGAIN) => break,
                Err(e) => return Err(e.into()),
            }
        }
        let mut messages = Vec::new();
        while let Some(message) = self.inbox.next()? {
            messages.push(message);
        }
        if closed && self.inbox.partial() {
            return Err(Error::eof(
                "the worker closed its end in the middle of a message (did it die?)",
            ));
        }
        Ok(Received { messages, closed })
    }
}

/// What [`Link::receive`] found.
pub(super) struct Received<T> {
    pub(super) messages: Vec<T>,
    pub(super) closed: bool,
}

/// How much to read at a time when the size of what comes is not known.
const READ_AHEAD: usize = 64 * 1024;

/// Frames read from a pipe as they come, several at a time (one read takes
/// every chunk or result waiting): `buf[start..filled]` holds whole frames,
/// maybe the beginning of one more.
#[derive(Default)]
pub(super) struct Inbox {
    buf: Vec<u8>,
    start: usize,
    filled: usize,
}

impl Inbox {
    /// One `read` into the room after what is held (made for the rest of
    /// the frame begun, or [`READ_AHEAD`]): how many bytes came (0 at end of
    /// file), and how many could have.
    pub(super) fn read(&mut self, fd: std::os::fd::BorrowedFd<'_>) -> nix::Result<(usize, usize)> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.filled, 0);
            self.filled -= self.start;
            self.start = 0;
        }
        // A length over the limit is refused by `next` before this grows.
        let frame = self.frame_size().and_then(Result::ok).unwrap_or(0);
        let want = frame.max(self.filled + READ_AHEAD);
        if self.buf.len() < want {
            self.buf.resize(want, 0);
        }
        let room = self.buf.len() - self.filled;
        let n = nix::unistd::read(fd, &mut self.buf[self.filled..])?;
        self.filled += n;
        Ok((n, room))
    }

    /// The next whole message, if one is there. A length over this
    /// process's limit (see [`crate::max_message_size`]) is an error: the
    /// stream cannot be trusted past it.
    pub(super) fn next<T: DeserializeOwned>(&mut self) -> Result<Option<T>> {
        let Some(size) = self.frame_size().transpose()? else {
            return Ok(None);
        };
        if size > self.filled - self.start {
            return Ok(None);
        }
        let end = self.start + size;
        let body = &self.buf[self.start + 8..end];
        crate::timeline::received(crate::timeline::PIPE, body);
        let message = postcard::from_bytes(body);
        self.start = end;
        if self.start == self.filled {
            (self.start, self.filled) = (0, 0);
        }
        Ok(Some(message?))
    }

    /// Part of a frame is held, and no more.
    pub(super) fn partial(&self) -> bool {
        self.filled > self.start
    }

    /// The size of the first frame held, header included, once its header
    /// is there; an error if it announces more than this process's limit.
    fn frame_size(&self) -> Option<Result<usize>> {
        let (head, _) = self.buf[self.start..self.filled].split_first_chunk::<8>()?;
        let len = u64::from_le_bytes(*head);
        Some(
            crate::pipe::announced_len(len)
                .and_then(|body| body.checked_add(8).ok_or_else(|| crate::pipe::too_big(len))),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn frame(body: &[u8]) -> Vec<u8> {
        let mut f = (body.len() as u64).to_le_bytes().to_vec();
        f.extend_from_slice(body);
        f
    }

    fn encoded(value: u32) -> Vec<u8> {
        frame(&postcard::to_allocvec(&value).unwrap())
    }

    #[test]
    fn one_read_takes_every_frame_waiting_and_keeps_a_partial_one() {
        let (r, w) = nix::unistd::pipe().unwrap();
        let mut bytes = [encoded(1), encoded(2), encoded(300)].concat();
        let last = encoded(70_000);
        bytes.extend_from_slice(&last[..5]);
        let mut w = std::fs::File::from(w);
        w.write_all(&bytes).unwrap();
        let mut inbox = Inbox::default();
        let (n, room) = inbox.read(r.as_fd()).unwrap();
        assert_eq!((n, n < room), (bytes.len(), true));
        let got: Vec<u32> = std::iter::from_fn(|| inbox.next().unwrap()).collect();
        assert_eq!(got, [1, 2, 300]);
        assert!(inbox.partial());
        w.write_all(&last[5..]).unwrap();
        inbox.read(r.as_fd()).unwrap();
        assert_eq!(inbox.next::<u32>().unwrap(), Some(70_000));
        assert!(!inbox.partial());
        drop(w);
        assert_eq!(inbox.read(r.as_fd()).unwrap().0, 0, "end of file");
    }

    #[test]
    fn a_length_over_the_limit_is_refused_before_anything_grows() {
        let (r, w) = nix::unistd::pipe().unwrap();
        let mut w = std::fs::File::from(w);
        w.write_all(&u64::MAX.to_le_bytes()).unwrap();
        let mut inbox = Inbox::default();
        inbox.read(r.as_fd()).unwrap();
        let err = inbox.next::<u32>().unwrap_err().to_string();
        assert!(err.contains("over this process's limit"), "{err}");
        // A second read does not try to make room for it.
        w.write_all(&[0; 16]).unwrap();
        inbox.read(r.as_fd()).unwrap();
        assert!(inbox.buf.len() <= 2 * READ_AHEAD);
    }
}
