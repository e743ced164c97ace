//! `Pipe`: the counterpart of Python's `multiprocessing.Pipe`.
//!
//! A pipe is a pair of [`Connection`]s. What one end sends, the other end
//! receives, whole and in order: a value (`send`/`recv`, serialized with
//! serde) or raw bytes (`send_bytes`/`recv_bytes`). Each message travels as
//! a *frame*: its length in 8 bytes, then its bytes, so the receiver knows
//! where one message ends and the next begins.
//!
//! Both kinds of pipe are a Unix socket pair. A duplex pipe uses both
//! directions; a one-way pipe shuts the unused direction down. (Python
//! makes a one-way pipe from `os.pipe()`; a socket lets us send with
//! `MSG_NOSIGNAL`, so writing to a pipe whose reader has gone is an error
//! the program can handle, not a SIGPIPE that kills it.)

use crate::fds::Inherit;
use crate::{Error, Result};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::socket::{
    AddressFamily, MsgFlags, Shutdown, SockFlag, SockType, send, shutdown, socketpair,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::time::{Duration, Instant};

/// One end of a [`pipe`].
#[derive(Debug, Serialize, Deserialize)]
pub struct Connection {
    fd: Inherit,
    readable: bool,
    writable: bool,
}

/// Python's `Pipe(duplex)`: two connected ends. With `duplex`, both ends
/// send and receive; without, the first end only receives and the second
/// only sends (the order Python uses).
pub fn pipe(duplex: bool) -> Result<(Connection, Connection)> {
    let (a, b) = socket_pair()?;
    if duplex {
        Ok((
            Connection::new(a, true, true),
            Connection::new(b, true, true),
        ))
    } else {
        shutdown(a.as_raw_fd(), Shutdown::Write)?;
        shutdown(b.as_raw_fd(), Shutdown::Read)?;
        Ok((
            Connection::new(a, true, false),
            Connection::new(b, false, true),
        ))
    }
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
            readable,
            writable,
        }
    }

    /// Sends a value: serialized, then framed.
    pub fn send<T: Serialize + ?Sized>(&self, value: &T) -> Result<()> {
        self.send_bytes(&postcard::to_stdvec(value)?)
    }

    /// Receives a value sent with [`Connection::send`]. Fails with an
    /// end-of-file error ([`Error::is_eof`]) once every copy of the other end
    /// is closed and everything sent has been received.
    pub fn recv<T: DeserializeOwned>(&self) -> Result<T> {
        Ok(postcard::from_bytes(&self.recv_bytes()?)?)
    }

    pub fn send_bytes(&self, bytes: &[u8]) -> Result<()> {
        if !self.writable {
            return Err(Error::new("this end of the pipe only receives"));
        }
        write_frame(self.fd.as_fd(), bytes)
    }

    pub fn recv_bytes(&self) -> Result<Vec<u8>> {
        if !self.readable {
            return Err(Error::new("this end of the pipe only sends"));
        }
        read_frame(self.fd.as_fd(), None, &|| Ok(()))
    }

    /// Waits at most `timeout` (for ever if `None`) until something can be
    /// received: a message, or the end of file. Python's `poll(timeout)`.
    pub fn poll(&self, timeout: Option<Duration>) -> Result<bool> {
        readable(self.fd.as_fd(), timeout.map(|t| Instant::now() + t))
    }

    /// A duplex connection over an existing socket.
    pub(crate) fn from_fd(fd: Inherit) -> Connection {
        Connection::new(fd, true, true)
    }

    pub(crate) fn into_fd(self) -> Inherit {
        self.fd
    }

    /// Closes this end (dropping it does the same).
    pub fn close(self) {}

    /// Another handle on the same end, as an inherited copy of a
    /// descriptor would be. Every copy must be closed before the other end
    /// sees end-of-file.
    pub fn try_clone(&self) -> Result<Connection> {
        Ok(Connection::new(
            self.fd.try_clone()?,
            self.readable,
            self.writable,
        ))
    }
}

// ANCHOR: frames
impl AsFd for Connection {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// Writes one frame: 8 bytes of length, little-endian, then the bytes.
pub(crate) fn write_frame(fd: BorrowedFd<'_>, bytes: &[u8]) -> Result<()> {
    let header = (bytes.len() as u64).to_le_bytes();
    send_all(fd, &header)?;
    send_all(fd, bytes)
}
// ANCHOR_END: frames

fn send_all(fd: BorrowedFd<'_>, mut bytes: &[u8]) -> Result<()> {
    while !bytes.is_empty() {
        match send(fd.as_raw_fd(), bytes, MsgFlags::MSG_NOSIGNAL) {
            Ok(n) => bytes = &bytes[n..],
            Err(nix::errno::Errno::EINTR) => {}
            Err(nix::errno::Errno::EPIPE | nix::errno::Errno::ECONNRESET) => {
                return Err(Error::eof("the other end of the pipe is closed"));
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Reads one frame. Before its first byte, waits until `deadline` (for
/// ever if `None`); once a frame has begun, its end must follow. If it
/// stalls, `stalled` is asked every 100 ms whether the writer is still
/// there (a [`crate::Queue`] can tell; a plain connection sees end-of-file
/// when its writer dies).
pub(crate) fn read_frame(
    fd: BorrowedFd<'_>,
    deadline: Option<Instant>,
    stalled: &dyn Fn() -> Result<()>,
) -> Result<Vec<u8>> {
    if !readable(fd, deadline)? {
        return Err(Error::timeout("nothing to receive in the time allowed"));
    }
    let mut header = [0u8; 8];
    if !read_exact(fd, &mut header, true, stalled)? {
        return Err(Error::eof(
            "end of file: every writing end of the pipe is closed",
        ));
    }
    let len = usize::try_from(u64::from_le_bytes(header))
        .map_err(|_| Error::new("a message too large for this machine"))?;
    let mut bytes = vec![0u8; len];
    read_exact(fd, &mut bytes, false, stalled)?;
    Ok(bytes)
}

/// Fills `buf`. Returns `Ok(false)` on a clean end of file before the first
/// byte when `eof_ok`; an end of file anywhere else is an error.
fn read_exact(
    fd: BorrowedFd<'_>,
    buf: &mut [u8],
    eof_ok: bool,
    stalled: &dyn Fn() -> Result<()>,
) -> Result<bool> {
    let mut filled = 0;
    while filled < buf.len() {
        if filled > 0 || !eof_ok {
            // Mid-frame: wait in slices, asking whether the writer is alive.
            while !readable(fd, Some(Instant::now() + Duration::from_millis(100)))? {
                stalled()?;
            }
        }
        match nix::unistd::read(fd, &mut buf[filled..]) {
            Ok(0) if filled == 0 && eof_ok => return Ok(false),
            Ok(0) => {
                return Err(Error::eof(
                    "the other end closed in the middle of a message (did its process die?)",
                ));
            }
            Ok(n) => filled += n,
            Err(nix::errno::Errno::EINTR) => {}
            Err(nix::errno::Errno::ECONNRESET) => {
                return Err(Error::eof("the other end of the pipe is closed"));
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(true)
}

/// True once `fd` can be read without blocking (data or end of file);
/// false if `deadline` passes first.
pub(crate) fn readable(fd: BorrowedFd<'_>, deadline: Option<Instant>) -> Result<bool> {
    loop {
        let timeout = match crate::shm::remaining(deadline) {
            None => PollTimeout::NONE,
            Some(left) => PollTimeout::try_from(left.as_millis().min(i32::MAX as u128) as i32)
                .unwrap_or(PollTimeout::MAX),
        };
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
    fn a_16_mib_message_arrives_intact() {
        let (a, b) = pipe(true).unwrap();
        let big: Vec<u8> = (0..16 << 20).map(|i: u32| (i % 253) as u8).collect();
        let reader = std::thread::spawn(move || b.recv_bytes().unwrap());
        a.send_bytes(&big).unwrap();
        assert!(reader.join().unwrap() == big);
    }
}
