//! How an item travels through a queue's socket: one item, one message.
//!
//! The socket is a Unix `SOCK_SEQPACKET` pair, so the kernel keeps the
//! boundaries of what is sent: every frame is one message, sent whole or
//! not at all by one system call, and taken whole by exactly one reader
//! with one `recvmsg`. A frame is a header of 8 bytes (the item's length)
//! and then either the item's bytes, when the whole frame fits in
//! [`INLINE_MAX`], or nothing but a memfd holding the bytes, passed along
//! with the header (`SCM_RIGHTS`), when it is big: a message must fit in
//! the send buffer, and a reader's buffer is [`INLINE_MAX`] long.
//!
//! So a `get` is one system call, with no peek and no lock: two readers
//! can never split a frame, and a process dies between system calls,
//! never inside one, so none, killed at any instant, leaves half a frame
//! behind. A message that is not a well-formed frame (too short, longer
//! than a frame, a header that does not match what came) spoils only
//! itself: it is taken, reported as an error, and the next one is read as
//! usual.
//!
//! The send buffer is raised to [`SEND_BUFFER`]: the kernel accounts each
//! message as a whole packet (about 768 bytes for a small one), so the
//! default buffer (208 KiB) would hold under 300 small items before `put`
//! had to leave them to the feeder; this one holds about 10,000.

use crate::fds::Inherit;
use crate::pipe::{announced_len, max_message_size, too_big};
use crate::{Error, Result};
use nix::errno::Errno;
use nix::sys::socket::{
    AddressFamily, ControlMessageOwned, MsgFlags, SockFlag, SockType, recvmsg, setsockopt,
    socketpair, sockopt,
};
use std::io::{IoSlice, IoSliceMut};
use std::ops::Range;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};

/// Frames up to this size (header included) carry their bytes inline;
/// a reader's buffer is this long.
pub(crate) const INLINE_MAX: usize = 16 * 1024;

/// The send buffer asked for (the kernel doubles it, and caps the request
/// at `net.core.wmem_max`).
pub(crate) const SEND_BUFFER: usize = 4 << 20;

/// Small frames the feeder sends with one `sendmmsg`, at most.
pub(crate) const BATCH: usize = 256;

const HEADER: usize = 8;

/// The header's top bit: the bytes are in the memfd that came with it.
const IN_MEMFD: u64 = 1 << 63;

thread_local! {
    /// A small frame's buffer, kept from one `put` to the next.
    static SPARE: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// A queue's socket: `(reader, writer)`, the two ends of one
/// `SOCK_SEQPACKET` pair, the writer's send buffer raised.
pub(crate) fn socket_pair() -> Result<(Inherit, Inherit)> {
    let (reader, writer) = socketpair(
        AddressFamily::Unix,
        SockType::SeqPacket,
        None,
        SockFlag::SOCK_CLOEXEC,
    )?;
    setsockopt(&writer, sockopt::SndBuf, &SEND_BUFFER)?;
    Ok((Inherit::new(reader), Inherit::new(writer)))
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
    /// The socket's buffer has no room for the frame now.
    NoRoom,
    /// The kernel holds too many descriptors in flight for this user; wait.
    TooManyDescriptors,
}

fn send_error(e: Errno) -> Error {
    Error::new(format!("cannot put an item on the queue: {e}"))
}

impl Outgoing {
    /// Frames `bytes`, copying them into a memfd if the frame would be big.
    pub(crate) fn new(bytes: &[u8]) -> Result<Outgoing> {
        let len = bytes.len() as u64;
        if len > max_message_size() {
            return Err(too_big(len));
        }
        if HEADER + bytes.len() <= INLINE_MAX {
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

    /// Tries once to send the frame, as one message, without blocking.
    pub(crate) fn try_send(&self, socket: BorrowedFd<'_>) -> Result<Sent> {
        let flags = MsgFlags::MSG_DONTWAIT | MsgFlags::MSG_NOSIGNAL;
        loop {
            let outcome = match self {
                Outgoing::Inline(frame) => {
                    nix::sys::socket::send(socket.as_raw_fd(), frame, flags).map(drop)
                }
                Outgoing::Memfd { header, file } => crate::fds::send_with_fds(
                    socket,
                    &[IoSlice::new(header)],
                    &[file.as_raw_fd()],
                    flags,
                )
                .map(drop),
            };
            // A message goes whole or not at all: no count to check.
            return match outcome {
                Ok(()) => Ok(Sent::Whole),
                Err(Errno::EINTR) => continue,
                Err(Errno::EAGAIN) => Ok(Sent::NoRoom),
                Err(Errno::ETOOMANYREFS) => Ok(Sent::TooManyDescriptors),
                Err(e) => Err(send_error(e)),
            };
        }
    }
}

// ANCHOR: send_many
/// Sends small frames, each as one message, with one `sendmmsg` and
/// without blocking: returns how many went (the first ones, in order);
/// 0 when the socket has no room for the first.
pub(crate) fn try_send_many(socket: BorrowedFd<'_>, frames: &[Vec<u8>]) -> Result<usize> {
    let frames = &frames[..frames.len().min(BATCH)];
    let mut iov: Vec<libc::iovec> = frames
        .iter()
        .map(|f| libc::iovec {
            iov_base: f.as_ptr().cast_mut().cast(),
            iov_len: f.len(),
        })
        .collect();
    let mut messages: Vec<libc::mmsghdr> = iov
        .iter_mut()
        .map(|iov| {
            // SAFETY: mmsghdr is a plain C struct, for which all zeroes
            // is a valid value (no name, no control data).
            let mut m: libc::mmsghdr = unsafe { std::mem::zeroed() };
            m.msg_hdr.msg_iov = iov;
            m.msg_hdr.msg_iovlen = 1;
            m
        })
        .collect();
    loop {
        // SAFETY: every header points at one iovec of `iov`, which points
        // at a frame of `frames`; all outlive the call, and the kernel
        // only reads them (and writes `msg_len`).
        let n = unsafe {
            libc::sendmmsg(
                socket.as_raw_fd(),
                messages.as_mut_ptr(),
                messages.len() as libc::c_uint,
                libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL,
            )
        };
        if n >= 0 {
            return Ok(n as usize);
        }
        match Errno::last() {
            Errno::EINTR => continue,
            Errno::EAGAIN => return Ok(0),
            e => return Err(send_error(e)),
        }
    }
}
// ANCHOR_END: send_many

/// What one `recvmsg` found.
pub(crate) enum Received {
    /// A frame; the item's bytes are this range of the buffer.
    Item(Range<usize>),
    /// No message there now (only when not waiting).
    Nothing,
    /// A message that is not a well-formed frame: it was taken, and is
    /// reported; the next message is unaffected.
    Bad(Error),
}

/// Room for one descriptor's control message, aligned as a `cmsghdr`.
#[repr(C, align(8))]
struct ControlSpace([u8; 32]);

// ANCHOR: receive
/// Takes the next message with one `recvmsg`, waiting for one if `wait`
/// (else `Received::Nothing` when there is none). A small frame's bytes
/// are read straight into `buf`; a big one's from its memfd.
pub(crate) fn receive(socket: BorrowedFd<'_>, buf: &mut Vec<u8>, wait: bool) -> Result<Received> {
    if buf.len() < INLINE_MAX {
        buf.resize(INLINE_MAX, 0);
    }
    let mut control = ControlSpace([0; 32]);
    let mut flags = MsgFlags::MSG_CMSG_CLOEXEC;
    if !wait {
        flags |= MsgFlags::MSG_DONTWAIT;
    }
    let (n, msg_flags, fds) = loop {
        let mut iov = [IoSliceMut::new(&mut buf[..INLINE_MAX])];
        match recvmsg::<()>(socket.as_raw_fd(), &mut iov, Some(&mut control.0), flags) {
            Err(Errno::EINTR) => continue,
            Err(Errno::EAGAIN) => return Ok(Received::Nothing),
            Err(e) => return Err(e.into()),
            Ok(msg) => {
                let mut fds = Vec::new();
                for message in msg.cmsgs()? {
                    if let ControlMessageOwned::ScmRights(received) = message {
                        // SAFETY: the kernel just installed these
                        // descriptors for us alone.
                        fds.extend(received.into_iter().map(|fd| unsafe {
                            <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd)
                        }));
                    }
                }
                break (msg.bytes, msg.flags, fds);
            }
        }
    };
    // Every frame has a header, so only a closed peer gives 0 bytes.
    if n == 0 && !msg_flags.contains(MsgFlags::MSG_TRUNC) {
        return Err(Error::eof("the queue's socket is closed"));
    }
    Ok(match frame(n, msg_flags, fds, buf) {
        Ok(range) => Received::Item(range),
        Err(e) => Received::Bad(e),
    })
}
// ANCHOR_END: receive

/// Checks the message just received (`n` bytes in `buf`, `fds` along)
/// as a frame, and finds its item's bytes.
fn frame(n: usize, flags: MsgFlags, fds: Vec<OwnedFd>, buf: &mut Vec<u8>) -> Result<Range<usize>> {
    let bad = |what: String| {
        Err(Error::new(format!(
            "a malformed message in the queue: {what}"
        )))
    };
    if flags.contains(MsgFlags::MSG_TRUNC) {
        return bad(format!("longer than a frame ({INLINE_MAX} bytes)"));
    }
    if flags.contains(MsgFlags::MSG_CTRUNC) {
        return bad("more descriptors than a frame carries".into());
    }
    if n < HEADER {
        return bad(format!("{n} bytes, shorter than a frame's header"));
    }
    let header: [u8; 8] = buf[..HEADER].try_into().expect("8 bytes");
    let (len, in_memfd) = parse(header)?;
    if !in_memfd {
        if !fds.is_empty() {
            return bad("a small frame with a descriptor".into());
        }
        if len != n - HEADER {
            return bad(format!("its header says {len} bytes, {} came", n - HEADER));
        }
        return Ok(HEADER..n);
    }
    let mut fds = fds.into_iter();
    let (Some(file), None, HEADER) = (fds.next(), fds.next(), n) else {
        return bad("a big item's header without exactly one memfd".into());
    };
    let size = nix::sys::stat::fstat(&file)?.st_size;
    if (size as u64) < len as u64 {
        return bad(format!("a big item's memfd holds {size} bytes, not {len}"));
    }
    if buf.len() < len {
        buf.resize(len, 0);
    }
    read_memfd(&file, &mut buf[..len])?;
    Ok(0..len)
}

/// The length a header announces, checked against the limit, and whether
/// the bytes are in a memfd.
fn parse(header: [u8; 8]) -> Result<(usize, bool)> {
    let word = u64::from_le_bytes(header);
    let len = announced_len(word & !IN_MEMFD)?;
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
