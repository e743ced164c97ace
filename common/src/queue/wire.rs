//! How an item travels through a queue's socket, so that no process, killed
//! at any instant, leaves half an item in it.
//!
//! Every frame is a header of 8 bytes (the item's length) and then either
//! the item's bytes, when the whole frame is small, or nothing but a memfd
//! holding the bytes, passed along with the header (`SCM_RIGHTS`), when it
//! is big. So every frame is small, and a small frame is sent with one
//! non-blocking system call that takes all of it or none of it: a Unix
//! stream socket queues up to its buffer's half (above 100 KB by default) as
//! one piece, and refuses with `EAGAIN` when there is no room for the whole
//! piece. A reader, likewise, takes a whole frame with one `recvmsg`. A
//! process dies between system calls, never inside one, so the stream stays
//! in step whoever is killed.
//!
//! Should a send be cut short all the same (a socket buffer set very small
//! by the system), the writer finishes the frame with blocking writes and
//! says so in the queue's shared block, so that its death half-way is
//! recognised as corruption.

use crate::pipe::{max_message_size, read_exact, too_big};
use crate::{Error, Result};
use nix::errno::Errno;
use nix::sys::socket::{MsgFlags, recv, recvmsg};
use std::io::{IoSlice, IoSliceMut};
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};

/// Frames up to this size (header included) carry their bytes inline.
pub(crate) const INLINE_MAX: usize = 16 * 1024;

/// The header's top bit: the bytes are in the memfd that came with it.
const IN_MEMFD: u64 = 1 << 63;

thread_local! {
    /// A small frame's buffer, kept from one `put` to the next.
    static SPARE: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// A frame ready to send.
pub(crate) enum Outgoing {
    /// The header followed by the bytes.
    Inline(Vec<u8>),
    /// The header, and a memfd holding the bytes.
    Memfd { header: [u8; 8], file: OwnedFd },
}

/// What one attempt to send a frame did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Sent {
    Whole,
    /// The first `n` bytes went: the caller must send the rest.
    Partial(usize),
    /// The socket's buffer has no room for the frame now.
    NoRoom,
    /// The kernel holds too many descriptors in flight for this user; wait.
    TooManyDescriptors,
}

impl Outgoing {
    /// Frames `bytes`, copying them into a memfd if the frame would be big.
    pub(crate) fn new(bytes: &[u8]) -> Result<Outgoing> {
        let len = bytes.len() as u64;
        if len > max_message_size() {
            return Err(too_big(len));
        }
        if 8 + bytes.len() <= INLINE_MAX {
            let mut frame = SPARE.with(|spare| spare.take());
            frame.clear();
            frame.extend_from_slice(&len.to_le_bytes());
            frame.extend_from_slice(bytes);
            return Ok(Outgoing::Inline(frame));
        }
        let file = nix::sys::memfd::memfd_create(
            c"cookbook-queue-item",
            nix::sys::memfd::MFdFlags::MFD_CLOEXEC,
        )?;
        let mut written = 0;
        while written < bytes.len() {
            match nix::unistd::write(&file, &bytes[written..]) {
                Ok(n) => written += n,
                Err(Errno::EINTR) => {}
                Err(e) => return Err(Error::new(format!("cannot stage a big item: {e}"))),
            }
        }
        Ok(Outgoing::Memfd {
            header: (len | IN_MEMFD).to_le_bytes(),
            file,
        })
    }

    /// Done with a frame that was sent from this thread: its buffer serves
    /// the next one (a small item's `put` then allocates nothing).
    pub(crate) fn recycle(self) {
        if let Outgoing::Inline(frame) = self {
            SPARE.with(|spare| spare.set(frame));
        }
    }

    /// Tries once to send the frame without blocking.
    pub(crate) fn try_send(&self, socket: BorrowedFd<'_>) -> Result<Sent> {
        let flags = MsgFlags::MSG_DONTWAIT | MsgFlags::MSG_NOSIGNAL;
        loop {
            let outcome = match self {
                Outgoing::Inline(frame) => nix::sys::socket::send(socket.as_raw_fd(), frame, flags)
                    .map(|n| (n, frame.len())),
                Outgoing::Memfd { header, file } => crate::fds::send_with_fds(
                    socket,
                    &[IoSlice::new(header)],
                    &[file.as_raw_fd()],
                    flags,
                )
                .map(|n| (n, header.len())),
            };
            return match outcome {
                Ok((n, len)) if n == len => Ok(Sent::Whole),
                Ok((n, _)) => Ok(Sent::Partial(n)),
                Err(Errno::EINTR) => continue,
                Err(Errno::EAGAIN) => Ok(Sent::NoRoom),
                Err(Errno::ETOOMANYREFS) => Ok(Sent::TooManyDescriptors),
                Err(e) => Err(Error::new(format!("cannot put an item on the queue: {e}"))),
            };
        }
    }

    /// The bytes still to send after `sent` went out (blocking).
    pub(crate) fn rest(&self, sent: usize) -> &[u8] {
        match self {
            Outgoing::Inline(frame) => &frame[sent..],
            Outgoing::Memfd { header, .. } => &header[sent..],
        }
    }
}

/// What a reader found at the front of the socket.
pub(crate) enum Received {
    /// A whole frame was taken; its bytes are in the buffer.
    Whole,
    /// Only part of a frame was there (its writer is finishing it): the
    /// rest must be waited for.
    Part,
    /// No frame there: another reader took it after the socket was seen
    /// readable.
    Nothing,
}

/// Takes the frame at the front of the socket into `buf`, in one system
/// call when the frame is whole. The caller holds the readers' lock and
/// has seen the socket readable. `stalled` is asked, while the rest of a
/// frame that came in pieces is awaited, whether its writer still lives.
pub(crate) fn receive(
    socket: BorrowedFd<'_>,
    buf: &mut Vec<u8>,
    mark_partial: &dyn Fn(bool),
    stalled: &dyn Fn() -> Result<()>,
) -> Result<Received> {
    let mut header = [0u8; 8];
    let peeked = loop {
        match recv(
            socket.as_raw_fd(),
            &mut header,
            MsgFlags::MSG_PEEK | MsgFlags::MSG_DONTWAIT,
        ) {
            Err(Errno::EINTR) => continue,
            other => break other,
        }
    };
    match peeked {
        Ok(8) => {}
        Ok(0) => return Err(Error::eof("the queue's socket is closed")),
        // A header in pieces: only a writer that had to finish by blocking
        // does that. Read it, and the rest, as a stream.
        Ok(_) => {
            mark_partial(true);
            read_exact(socket, &mut header, false, stalled)?;
            let (len, in_memfd) = parse(header)?;
            if in_memfd {
                return Err(Error::new("a big item's header came in pieces"));
            }
            buf.clear();
            buf.resize(len, 0);
            read_exact(socket, buf, false, stalled)?;
            mark_partial(false);
            return Ok(Received::Part);
        }
        Err(Errno::EAGAIN) => return Ok(Received::Nothing),
        Err(e) => return Err(e.into()),
    }
    let (len, in_memfd) = parse(header)?;
    buf.clear();
    buf.resize(len, 0);
    if in_memfd {
        let (_, fds) = crate::fds::recv_with_fds(
            socket,
            &mut [IoSliceMut::new(&mut header)],
            1,
            MsgFlags::MSG_DONTWAIT,
        )?;
        let file = fds
            .into_iter()
            .next()
            .ok_or_else(|| Error::new("a big item arrived without its memfd"))?;
        read_memfd(&file, buf)?;
        return Ok(Received::Whole);
    }
    // Header and bytes in one call, so the frame is taken whole or not at all.
    let got = {
        let (head, body) = (&mut header, buf.as_mut_slice());
        let mut iov = [IoSliceMut::new(head), IoSliceMut::new(body)];
        loop {
            match recvmsg::<()>(socket.as_raw_fd(), &mut iov, None, MsgFlags::MSG_DONTWAIT) {
                Err(Errno::EINTR) => continue,
                other => break other?.bytes,
            }
        }
    };
    if got == 8 + len {
        return Ok(Received::Whole);
    }
    // The rest of a frame its writer is still finishing.
    mark_partial(true);
    let body_got = got.saturating_sub(8);
    read_exact(socket, &mut buf[body_got..], false, stalled)?;
    mark_partial(false);
    Ok(Received::Part)
}

/// The length a header announces, checked against the limit, and whether
/// the bytes are in a memfd.
fn parse(header: [u8; 8]) -> Result<(usize, bool)> {
    let word = u64::from_le_bytes(header);
    let len = word & !IN_MEMFD;
    if len > max_message_size() {
        return Err(too_big(len));
    }
    let len = usize::try_from(len).map_err(|_| too_big(len))?;
    Ok((len, word & IN_MEMFD != 0))
}

fn read_memfd(file: &OwnedFd, buf: &mut [u8]) -> Result<()> {
    let mut filled = 0;
    while filled < buf.len() {
        match nix::sys::uio::pread(file, &mut buf[filled..], filled as i64) {
            Ok(0) => {
                return Err(Error::new(
                    "a big item's memfd is shorter than its header says",
                ));
            }
            Ok(n) => filled += n,
            Err(Errno::EINTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
