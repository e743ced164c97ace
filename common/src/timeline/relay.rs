//! Catching what every process of the run prints, and who printed it.
//!
//! Standard output becomes a datagram socket. Each `println!` is one write,
//! so one datagram, and the kernel tells the reader (a thread of the
//! merger) which process sent it (`SO_PASSCRED`). The reader passes the
//! bytes on to the real standard output at once, in the order they came,
//! and notes each line with its time and process for the picture.

use crate::Result;
use nix::sys::socket::{
    AddressFamily, ControlMessageOwned, MsgFlags, SockFlag, SockType, UnixAddr, bind, connect,
    recvmsg, send, setsockopt, socket, sockopt,
};
use std::collections::HashMap;
use std::io::{IoSliceMut, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::{Arc, Mutex};

/// The name of the reader thread (the fork start method does not count
/// it); 15 bytes at most, as the kernel keeps thread names.
pub(crate) const RELAY_THREAD: &str = "timeline-relay";

/// The datagram the merger sends itself when everybody else has ended.
const LAST: &[u8] = b"\0cookbook-timeline-end\0";

/// A line printed by a process of the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub ns: u64,
    pub pid: i32,
    pub text: String,
}

pub(crate) struct Relay {
    name: String,
    /// This process's own writing end (also its descriptor 1 meanwhile).
    writer: OwnedFd,
    /// The real standard output, put back by `stop`.
    saved: OwnedFd,
    lines: Arc<Mutex<Vec<Line>>>,
    thread: std::thread::JoinHandle<()>,
}

fn datagram_socket() -> Result<OwnedFd> {
    Ok(socket(
        AddressFamily::Unix,
        SockType::Datagram,
        SockFlag::SOCK_CLOEXEC,
        None,
    )?)
}

/// Makes this process's standard output a socket connected to the
/// merger's reader at `name` (an abstract socket address).
fn connect_stdout(name: &str) -> Result<OwnedFd> {
    let writer = datagram_socket()?;
    connect(
        writer.as_raw_fd(),
        &UnixAddr::new_abstract(name.as_bytes())?,
    )?;
    let _ = std::io::stdout().flush();
    nix::unistd::dup2_stdout(&writer)?;
    Ok(writer)
}

/// For an MPI rank: print through the merger. (Left as it was if that fails:
/// the run still works, its lines are only missing from the picture.)
#[cfg(feature = "mpi")]
pub(crate) fn point_stdout_at(name: &str) {
    if let Ok(writer) = connect_stdout(name) {
        // Descriptor 1 is a copy; this one may go.
        drop(writer);
    }
}

impl Relay {
    pub(crate) fn start() -> Result<Relay> {
        // An abstract address: no file to remove, gone with the socket.
        let name = format!(
            "cookbook-timeline-{}-{}",
            std::process::id(),
            super::record::now()
        );
        let reader = datagram_socket()?;
        setsockopt(&reader, sockopt::PassCred, &true)?;
        // The kernel stamps each datagram as it is written: a late reader
        // does not make a line late.
        setsockopt(&reader, sockopt::ReceiveTimestampns, &true)?;
        bind(
            reader.as_raw_fd(),
            &UnixAddr::new_abstract(name.as_bytes())?,
        )?;
        let saved = nix::unistd::dup(std::io::stdout().as_fd())?;
        nix::fcntl::fcntl(
            &saved,
            nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC),
        )?;
        let lines = Arc::new(Mutex::new(Vec::new()));
        let out = saved.try_clone()?;
        let noted = lines.clone();
        // The thread names itself as it starts: wait for that, or the fork
        // start method, counting threads by name, would count it as ours.
        let (named, is_named) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name(RELAY_THREAD.into())
            .spawn(move || {
                let _ = named.send(());
                pass_on(reader, out, noted)
            })?;
        let _ = is_named.recv();
        let writer = connect_stdout(&name)?;
        Ok(Relay {
            name,
            writer,
            saved,
            lines,
            thread,
        })
    }

    /// The address the others connect to.
    pub(crate) fn address(&self) -> &str {
        &self.name
    }

    /// Puts the real standard output back, once every other process of the
    /// run has ended, and returns the lines printed.
    pub(crate) fn stop(self) -> Vec<Line> {
        let _ = std::io::stdout().flush();
        let _ = nix::unistd::dup2_stdout(&self.saved);
        // Everything written before this is queued ahead of it.
        let _ = send(self.writer.as_raw_fd(), LAST, MsgFlags::empty());
        let _ = self.thread.join();
        std::mem::take(&mut *self.lines.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// A kernel time stamp (wall clock) on the monotonic clock the records
/// use: minus how far the two clocks are apart now.
fn monotonic(wall: nix::sys::time::TimeSpec) -> u64 {
    let now_wall = nix::time::clock_gettime(nix::time::ClockId::CLOCK_REALTIME).map_or(0, |t| {
        t.tv_sec() as i128 * 1_000_000_000 + t.tv_nsec() as i128
    });
    let now_mono = super::record::now() as i128;
    let wall = wall.tv_sec() as i128 * 1_000_000_000 + wall.tv_nsec() as i128;
    (wall - (now_wall - now_mono)).clamp(0, now_mono) as u64
}

/// The reader: pass every datagram on, note its lines, until `LAST` comes
/// from this very process.
fn pass_on(reader: OwnedFd, out: OwnedFd, lines: Arc<Mutex<Vec<Line>>>) {
    let me = std::process::id() as i32;
    let mut out = std::fs::File::from(out);
    let mut buffer = vec![0u8; 1 << 16];
    // A line cut over several writes waits here for its end.
    let mut partial: HashMap<i32, Vec<u8>> = HashMap::new();
    loop {
        let mut space = nix::cmsg_space!(libc::ucred, libc::timespec);
        let (len, pid, stamp) = {
            let mut iov = [IoSliceMut::new(&mut buffer)];
            let msg = match recvmsg::<()>(
                reader.as_raw_fd(),
                &mut iov,
                Some(&mut space),
                MsgFlags::empty(),
            ) {
                Ok(msg) => msg,
                Err(nix::errno::Errno::EINTR) => continue,
                Err(_) => break,
            };
            let (mut pid, mut stamp) = (0, None);
            for c in msg.cmsgs().ok().into_iter().flatten() {
                match c {
                    ControlMessageOwned::ScmCredentials(creds) => pid = creds.pid(),
                    ControlMessageOwned::ScmTimestampns(t) => stamp = Some(t),
                    _ => {}
                }
            }
            (msg.bytes, pid, stamp)
        };
        let bytes = &buffer[..len];
        if pid == me && bytes == LAST {
            break;
        }
        let _ = out.write_all(bytes);
        let ns = stamp.map_or_else(super::record::now, monotonic);
        let pending = partial.entry(pid).or_default();
        pending.extend_from_slice(bytes);
        let mut noted = lines.lock().unwrap_or_else(|p| p.into_inner());
        while let Some(at) = pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = pending.drain(..=at).collect();
            noted.push(Line {
                ns,
                pid,
                text: String::from_utf8_lossy(&line[..at]).into_owned(),
            });
        }
    }
    let ns = super::record::now();
    let mut noted = lines.lock().unwrap_or_else(|p| p.into_inner());
    for (pid, rest) in partial {
        if !rest.is_empty() {
            noted.push(Line {
                ns,
                pid,
                text: String::from_utf8_lossy(&rest).into_owned(),
            });
        }
    }
}
