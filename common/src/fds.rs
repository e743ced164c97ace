//! Handing open descriptors (pipes, sockets, shared memory) to a child.
//!
//! A [`Process`](crate::Process) argument that holds an [`Inherit`] takes the
//! descriptor with it into the child, under both start methods:
//!
//! - while the arguments are serialized, each `Inherit` is duplicated; the
//!   copy travels with the job, and its number goes into the bytes;
//! - a `spawn`ed child keeps exactly those copies open across `exec`, a
//!   `fork`ed child closes every other descriptor it inherited, so under
//!   both methods a child holds what it was given and nothing else;
//! - the child turns each number back into an owned descriptor;
//! - the parent closes its copies as soon as the child has started.
//!
//! This is what makes end-of-file work: a reader sees it only when every
//! copy of the writing end is closed, and no child keeps a stray copy.

use serde::de::Error as _;
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cell::RefCell;
use std::collections::HashSet;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

/// An open descriptor (a pipe's end, a socket, a memfd) that can be sent to
/// a child as (part of) a [`Process`](crate::Process) argument: the child
/// gets its own copy, open under the same number it deserializes to, and
/// nothing else it was not given. What `Queue`, `Connection` and the
/// shared-memory types are built on; use it directly to hand a child a
/// descriptor of your own.
#[derive(Debug)]
pub struct Inherit(OwnedFd);

impl Inherit {
    /// Wraps a descriptor so that it can travel to a child.
    pub fn new(fd: OwnedFd) -> Inherit {
        Inherit(fd)
    }

    /// Another descriptor for the same open file (`dup`).
    pub fn try_clone(&self) -> std::io::Result<Inherit> {
        self.0.try_clone().map(Inherit)
    }

    /// The descriptor itself.
    pub fn into_inner(self) -> OwnedFd {
        self.0
    }
}

impl AsFd for Inherit {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.0.as_fd()
    }
}

impl AsRawFd for Inherit {
    fn as_raw_fd(&self) -> RawFd {
        self.0.as_raw_fd()
    }
}

thread_local! {
    /// While a job's arguments are serialized: the copies made so far.
    static OUTGOING: RefCell<Option<Vec<OwnedFd>>> = const { RefCell::new(None) };
    /// In a child, while its job is decoded: the numbers it was given, and
    /// those already taken.
    static INCOMING: RefCell<Option<(HashSet<RawFd>, HashSet<RawFd>)>> = const { RefCell::new(None) };
}

/// Runs `encode` (a serialization of a child's arguments) and returns its
/// result with the copies of every descriptor it met.
pub(crate) fn collect<T>(encode: impl FnOnce() -> T) -> (T, Vec<OwnedFd>) {
    OUTGOING.with(|o| *o.borrow_mut() = Some(Vec::new()));
    let result = encode();
    let fds = OUTGOING.with(|o| o.borrow_mut().take()).unwrap_or_default();
    (result, fds)
}

/// Runs `decode` in a child that was given the descriptors `given`.
pub(crate) fn receive<T>(given: &[RawFd], decode: impl FnOnce() -> T) -> T {
    INCOMING.with(|i| *i.borrow_mut() = Some((given.iter().copied().collect(), HashSet::new())));
    let result = decode();
    INCOMING.with(|i| *i.borrow_mut() = None);
    // They were left open across exec for us; our own children must not
    // inherit them by accident (a grandchild holding a pipe's writing end
    // would keep its reader from ever seeing end-of-file).
    for &fd in given {
        // SAFETY: F_SETFD on a descriptor number changes only its flag; if
        // the number is not open it fails harmlessly.
        unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
    }
    result
}

/// In a child about to exec: marks every descriptor from `first` up as
/// close-on-exec (the caller then clears the mark on those to pass on).
/// Async-signal-safe: no allocation.
pub(crate) fn close_on_exec_from(first: RawFd) {
    // SAFETY: close_range with CLOSE_RANGE_CLOEXEC only sets flags (Linux 5.11+).
    let rc = unsafe {
        libc::syscall(
            libc::SYS_close_range,
            first as u32,
            u32::MAX,
            libc::CLOSE_RANGE_CLOEXEC,
        )
    };
    if rc == 0 {
        return;
    }
    // An older kernel: one by one, up to the limit on descriptors.
    // SAFETY: sysconf and fcntl on numbers are async-signal-safe.
    let max = unsafe { libc::sysconf(libc::_SC_OPEN_MAX) }.clamp(0, 1 << 16) as RawFd;
    for fd in first..max {
        // SAFETY: as above.
        unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
    }
}

// ANCHOR: inherit
impl Serialize for Inherit {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let copy = OUTGOING.with(|o| match o.borrow_mut().as_mut() {
            Some(copies) => {
                let copy = self.0.try_clone().map_err(S::Error::custom)?;
                let number = copy.as_raw_fd();
                copies.push(copy);
                Ok(number)
            }
            None => Err(S::Error::custom(
                "an open descriptor (a pipe, queue or shared value) can only be sent to a \
                 child process as an argument of Process",
            )),
        })?;
        serializer.serialize_i32(copy)
    }
}

impl<'de> Deserialize<'de> for Inherit {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let number = RawFd::deserialize(deserializer)?;
        INCOMING.with(|i| {
            let mut incoming = i.borrow_mut();
            let Some((given, taken)) = incoming.as_mut() else {
                return Err(D::Error::custom(
                    "a descriptor can only be received by a child process",
                ));
            };
            if !given.contains(&number) {
                return Err(D::Error::custom(format!(
                    "descriptor {number} was not given to this process"
                )));
            }
            if taken.insert(number) {
                // SAFETY: the parent kept this descriptor open for us, and this
                // is the first (and only) owner made of it.
                Ok(Inherit(unsafe { OwnedFd::from_raw_fd(number) }))
            } else {
                // The same descriptor twice in the arguments: a copy for the second.
                // SAFETY: `number` is open and owned by the first `Inherit`.
                let fd = unsafe { BorrowedFd::borrow_raw(number) };
                fd.try_clone_to_owned()
                    .map(Inherit)
                    .map_err(D::Error::custom)
            }
        })
    }
}
// ANCHOR_END: inherit

/// In a `fork`ed child: closes every descriptor but stdin, stdout, stderr
/// and `keep`, so the child holds what a `spawn`ed child would.
pub(crate) fn close_all_but(keep: &[RawFd]) {
    let mut keep: Vec<RawFd> = keep.iter().copied().filter(|&fd| fd > 2).collect();
    keep.sort_unstable();
    // `close_range` closes a whole range in one system call (Linux 5.9+):
    // the ranges between the descriptors to keep.
    let mut first = 3;
    let mut ranges_closed = true;
    for fd in keep.iter().copied().chain([RawFd::MAX]) {
        if fd > first {
            let last = if fd == RawFd::MAX {
                u32::MAX
            } else {
                (fd - 1) as u32
            };
            // SAFETY: nothing in this fresh child owns the descriptors closed.
            let rc = unsafe { libc::syscall(libc::SYS_close_range, first as u32, last, 0u32) };
            ranges_closed &= rc == 0;
        }
        first = fd.saturating_add(1);
    }
    if ranges_closed {
        return;
    }
    // An older kernel: close what /proc lists.
    let open: Vec<RawFd> = match std::fs::read_dir("/proc/self/fd") {
        Ok(dir) => dir
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse().ok())
            .collect(),
        Err(_) => return,
    };
    for fd in open {
        if fd > 2 && !keep.contains(&fd) {
            // SAFETY: nothing in this fresh child owns these copies.
            unsafe { libc::close(fd) };
        }
    }
}

/// Sends `iov` on a Unix socket with the descriptors `fds` attached
/// (`SCM_RIGHTS`; none attached when `fds` is empty), retrying when a
/// signal interrupts; returns how many bytes went. The one place the queue,
/// the manager and the fork server pass descriptors from.
pub(crate) fn send_with_fds(
    socket: BorrowedFd<'_>,
    iov: &[std::io::IoSlice<'_>],
    fds: &[RawFd],
    flags: nix::sys::socket::MsgFlags,
) -> nix::Result<usize> {
    use nix::sys::socket::{ControlMessage, sendmsg};
    let rights = [ControlMessage::ScmRights(fds)];
    let cmsgs: &[ControlMessage] = if fds.is_empty() { &[] } else { &rights };
    loop {
        match sendmsg::<()>(socket.as_raw_fd(), iov, cmsgs, flags, None) {
            Err(nix::errno::Errno::EINTR) => continue,
            other => return other,
        }
    }
}

/// Receives into `iov` from a Unix socket, with up to `max_fds`
/// descriptors that came along (made close-on-exec, owned by the caller),
/// retrying when a signal interrupts. Returns the bytes received (0: end of
/// file) and the descriptors.
pub(crate) fn recv_with_fds(
    socket: BorrowedFd<'_>,
    iov: &mut [std::io::IoSliceMut<'_>],
    max_fds: usize,
    flags: nix::sys::socket::MsgFlags,
) -> nix::Result<(usize, Vec<OwnedFd>)> {
    use nix::sys::socket::{ControlMessageOwned, MsgFlags, recvmsg};
    // SAFETY: CMSG_SPACE only computes a size.
    let space = unsafe { libc::CMSG_SPACE((max_fds * std::mem::size_of::<RawFd>()) as u32) };
    let mut cmsg = vec![0u8; space as usize];
    let msg = loop {
        match recvmsg::<()>(
            socket.as_raw_fd(),
            iov,
            Some(&mut cmsg),
            flags | MsgFlags::MSG_CMSG_CLOEXEC,
        ) {
            Err(nix::errno::Errno::EINTR) => continue,
            other => break other?,
        }
    };
    let mut fds = Vec::new();
    for message in msg.cmsgs()? {
        if let ControlMessageOwned::ScmRights(received) = message {
            // SAFETY: the kernel just installed these descriptors for us alone.
            fds.extend(
                received
                    .into_iter()
                    .map(|fd| unsafe { OwnedFd::from_raw_fd(fd) }),
            );
        }
    }
    Ok((msg.bytes, fds))
}
