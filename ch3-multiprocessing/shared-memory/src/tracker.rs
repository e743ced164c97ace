//! A resource tracker: a small process that removes the named shared
//! memory blocks its creator leaves behind, however the creator ends.
//!
//! The `shared_memory` crate removes a block's name (`shm_unlink`) only in
//! the owner's `Drop`. SIGKILL, or SIGINT and SIGTERM left at their default
//! action, end a process without running any `Drop`, and the name stays in
//! `/dev/shm` until the machine restarts. Python has the same problem and
//! the same answer: a tracker process. Ours is told each name *before* the
//! block exists, over a socket pair, and removes whatever is still
//! registered when its end reports end-of-file, which the kernel delivers
//! when the last process holding the other end is gone, whichever way it
//! went. (A pipe would do as well, but writing into a pipe whose reader is
//! gone kills the writer with SIGPIPE; a socket's `MSG_NOSIGNAL` turns that
//! into an error.)
//!
//! It needs nothing but `libc`, so it can be copied into any program.

use std::io::{Error, ErrorKind, Result};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// Longest name (with its leading `/`) the tracker takes.
pub const MAX_NAME: usize = 62;
/// One message: `+` (register) or `-` (unregister), the name, NUL padding.
/// The socket keeps messages whole (`SOCK_SEQPACKET`): one is never torn,
/// even when several processes register at once.
const RECORD: usize = MAX_NAME + 2;
/// How many names may be registered at once.
const SLOTS: usize = 256;

// ANCHOR: tracker
/// The creator's side of the tracker: its end of the socket pair, and the
/// tracker's pid to reap it.
#[derive(Debug)]
pub struct ResourceTracker {
    socket: Option<OwnedFd>,
    pid: libc::pid_t,
}

impl ResourceTracker {
    /// Starts the tracker process. It ignores SIGINT and SIGTERM (a Ctrl-C
    /// reaches the whole process group, and the tracker must outlive the
    /// program to clean up after it), and ends when the program's end of
    /// their socket pair is closed.
    pub fn start() -> Result<ResourceTracker> {
        let mut fds = [0; 2];
        // SAFETY: socketpair writes two descriptors into the array we own.
        let made = unsafe {
            libc::socketpair(
                libc::AF_UNIX,
                libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC,
                0,
                fds.as_mut_ptr(),
            )
        };
        if made != 0 {
            return Err(Error::last_os_error());
        }
        // SAFETY: both descriptors are fresh and ours alone.
        let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        // SAFETY: the child runs only `track`, which makes async-signal-safe
        // calls alone (no allocation, no locks), so forking is sound even if
        // this process has other threads.
        match unsafe { libc::fork() } {
            -1 => Err(Error::last_os_error()),
            0 => {
                let (read, write) = (read.as_raw_fd(), write.as_raw_fd());
                // SAFETY: this is the child: see `track`.
                unsafe { track(read, write) }
            }
            pid => Ok(ResourceTracker {
                socket: Some(write),
                pid,
            }),
        }
    }

    /// Tells the tracker about a name, before the block is created: a
    /// creator killed between `shm_open` and this message would leak it.
    pub fn register(&self, name: &str) -> Result<()> {
        self.send(b'+', name)
    }

    /// Tells the tracker a name is gone (unlinked by its owner).
    pub fn unregister(&self, name: &str) -> Result<()> {
        self.send(b'-', name)
    }
    // ANCHOR_END: tracker

    fn send(&self, what: u8, name: &str) -> Result<()> {
        if name.len() > MAX_NAME || name.as_bytes().contains(&0) {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                format!(
                    "shared memory name too long for the tracker (at most {MAX_NAME} bytes): {name}"
                ),
            ));
        }
        let mut record = [0u8; RECORD];
        record[0] = what;
        record[1..=name.len()].copy_from_slice(name.as_bytes());
        let fd = self.socket.as_ref().map_or(-1, |p| p.as_raw_fd());
        let n = loop {
            // SAFETY: sends from a buffer we own on a descriptor we own.
            let n = unsafe { libc::send(fd, record.as_ptr().cast(), RECORD, libc::MSG_NOSIGNAL) };
            if n >= 0 || Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                break n;
            }
        };
        if n == RECORD as isize {
            Ok(())
        } else {
            Err(Error::new(
                ErrorKind::BrokenPipe,
                format!("the resource tracker is gone: {}", Error::last_os_error()),
            ))
        }
    }
}

impl Drop for ResourceTracker {
    /// Closes our end and waits for the tracker: it removes whatever is
    /// still registered (nothing, when every block was dropped) and ends.
    fn drop(&mut self) {
        drop(self.socket.take());
        let mut status = 0;
        // SAFETY: reaps our own child; `status` is ours.
        unsafe { libc::waitpid(self.pid, &mut status, 0) };
    }
}

// ANCHOR: track
/// The tracker's whole life: read records until end-of-file, then unlink
/// every name still registered, say so on stderr, and exit.
///
/// # Safety
/// Call only in a freshly forked child: it calls `_exit` and makes only
/// async-signal-safe calls (read, write, close, unlink, signal, prctl).
unsafe fn track(read: libc::c_int, write: libc::c_int) -> ! {
    // SAFETY: all of these are async-signal-safe calls on values we own.
    unsafe {
        libc::close(write);
        libc::signal(libc::SIGINT, libc::SIG_IGN);
        libc::signal(libc::SIGTERM, libc::SIG_IGN);
        libc::prctl(libc::PR_SET_NAME, c"resource-tracker".as_ptr());
        // Hold nothing of the program's but stderr and our socket: a copy of
        // someone else's pipe here would keep its reader from end-of-file.
        for fd in 0..1024 {
            if fd != read && fd != libc::STDERR_FILENO {
                libc::close(fd);
            }
        }
    }
    let mut names = [[0u8; RECORD]; SLOTS];
    let mut record = [0u8; RECORD];
    loop {
        let mut got = 0;
        while got < RECORD {
            // SAFETY: reads into the part of `record` not yet filled.
            let n = unsafe { libc::read(read, record[got..].as_mut_ptr().cast(), RECORD - got) };
            if n > 0 {
                got += n as usize;
            } else if n < 0 && Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                continue;
            } else {
                break;
            }
        }
        if got < RECORD {
            break; // end-of-file: the creator and everyone holding its end are gone
        }
        let name = &record[1..];
        match record[0] {
            b'+' => {
                if let Some(slot) = names.iter_mut().find(|s| s[0] == 0) {
                    slot[..RECORD - 1].copy_from_slice(name);
                }
            }
            _ => {
                if let Some(slot) = names.iter_mut().find(|s| s[..RECORD - 1] == *name) {
                    slot[0] = 0;
                }
            }
        }
    }
    for slot in names.iter().filter(|s| s[0] != 0) {
        // "/dev/shm" + "/name" + NUL, on the stack.
        let mut path = [0u8; 8 + RECORD + 1];
        path[..8].copy_from_slice(b"/dev/shm");
        let len = slot.iter().position(|&b| b == 0).unwrap_or(RECORD);
        path[8..8 + len].copy_from_slice(&slot[..len]);
        // SAFETY: `path` is NUL-terminated; unlink and write are async-signal-safe.
        unsafe {
            if libc::unlink(path.as_ptr().cast()) == 0 {
                let said = b"resource tracker: removed a leaked shared memory block: ";
                libc::write(libc::STDERR_FILENO, said.as_ptr().cast(), said.len());
                libc::write(libc::STDERR_FILENO, path[9..].as_ptr().cast(), len - 1);
                libc::write(libc::STDERR_FILENO, b"\n".as_ptr().cast(), 1);
            }
        }
    }
    // SAFETY: `_exit` is always safe to call, and skips the parent's exit code.
    unsafe { libc::_exit(0) }
}
// ANCHOR_END: track
