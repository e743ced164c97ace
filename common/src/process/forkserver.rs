//! `forkserver`: Python 3.14's default start method on Linux, and ours.
//!
//! The first time a process starts a child this way, it starts a *server*:
//! this program again (as `spawn` would), which stops at `common::main`
//! before any of the program's own code and waits. It has one thread, so
//! it may `fork` safely whatever the program does meanwhile (threads,
//! locks held); and it is small, so forking it is quick. For each child,
//! the program sends the server the job (as `spawn` does) with the
//! descriptors the job holds; the server forks, and the copy runs the job.
//!
//! The children are the server's, not the program's: only the server can
//! reap them. So for each child the server hands back two descriptors: a
//! pidfd, through which the program signals exactly that process (never
//! another that took its pid later), and the reading end of a pipe on
//! which the server writes the exit code once it has reaped the child.
//! Python's forkserver does the same with a pipe per child.
//!
//! The server dies with the program (as every child does, see
//! `die_with_parent`), and its children die with it.

use super::start::{Bootstrap, lasting_command, run_child};
use crate::{Error, Result};
use nix::errno::Errno;
use nix::sys::signal::{SigSet, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::socket::{AddressFamily, MsgFlags, SockFlag, SockType, socketpair};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork};
use std::collections::HashMap;
use std::io::{IoSlice, IoSliceMut};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::sync::Mutex;

/// Set in the server's environment: the descriptor of its connection.
pub(crate) const SERVER_FD: &str = "COOKBOOK_FORKSERVER_FD";

/// Most descriptors one job may hold (the kernel's limit per message).
const MAX_FDS: usize = 253;

/// What the program gets back for a child the server started.
pub(crate) struct Started {
    pub(crate) pid: Pid,
    /// Readable once the child has ended; then holds its exit code.
    pub(crate) status: OwnedFd,
    /// The child itself, for signals.
    pub(crate) pidfd: OwnedFd,
}

#[derive(serde::Serialize, serde::Deserialize)]
enum Reply {
    Started(i32),
    Failed(String),
}

/// This process's connection to its server, if it has started one.
struct Client {
    /// The process that started the server (a forked child has its own).
    owner: Pid,
    server: Pid,
    control: OwnedFd,
}

static CLIENT: Mutex<Option<Client>> = Mutex::new(None);

fn lock() -> std::sync::MutexGuard<'static, Option<Client>> {
    CLIENT.lock().unwrap_or_else(|p| p.into_inner())
}

// ANCHOR: request
/// Has the server start a child running `boot`'s job.
pub(crate) fn start(boot: &Bootstrap, fds: &[RawFd]) -> Result<Started> {
    let bytes = postcard::to_stdvec(boot)?;
    let mut client = lock();
    let me = nix::unistd::getpid();
    if client.as_ref().is_none_or(|c| c.owner != me) {
        // A forked child inherits its parent's client: not its server.
        if let Some(old) = client.take().filter(|c| c.owner != me) {
            std::mem::forget(old.control);
        }
        *client = Some(start_server()?);
    }
    let control = client.as_ref().expect("started above").control.as_fd();
    let lost = |e: Error| Error::new(format!("the fork server is gone: {e}"));
    send_frame(control, &bytes, fds).map_err(lost)?;
    let (reply, received) = receive(control).map_err(lost)?;
    match postcard::from_bytes::<Reply>(&reply)? {
        Reply::Started(pid) => {
            let mut received = received.into_iter();
            match (received.next(), received.next()) {
                (Some(status), Some(pidfd)) => Ok(Started {
                    pid: Pid::from_raw(pid),
                    status,
                    pidfd,
                }),
                _ => Err(Error::new(
                    "the fork server answered without the child's descriptors",
                )),
            }
        }
        Reply::Failed(why) => Err(Error::new(format!(
            "the fork server could not start it: {why}"
        ))),
    }
}
// ANCHOR_END: request

/// Starts the server: this program again, told to serve.
fn start_server() -> Result<Client> {
    let (mine, theirs) = socketpair(
        AddressFamily::Unix,
        SockType::Stream,
        None,
        SockFlag::SOCK_CLOEXEC,
    )?;
    let server = lasting_command(SERVER_FD, theirs)?;
    Ok(Client {
        owner: nix::unistd::getpid(),
        server,
        control: mine,
    })
}

/// As the program ends: closes the connection, so the server ends, and
/// reaps it. Its children have been joined (or terminated) by then.
pub(crate) fn shutdown() {
    let client = lock().take();
    if let Some(client) = client {
        if client.owner != nix::unistd::getpid() {
            std::mem::forget(client.control);
            return;
        }
        drop(client.control);
        while let Err(Errno::EINTR) = waitpid(client.server, None) {}
    }
}

/// Reads one frame (8 bytes of length, then the bytes), with the
/// descriptors that came with its header.
fn receive(socket: BorrowedFd<'_>) -> Result<(Vec<u8>, Vec<OwnedFd>)> {
    let mut header = [0u8; 8];
    let (got, fds) = crate::fds::recv_with_fds(
        socket,
        &mut [IoSliceMut::new(&mut header)],
        MAX_FDS,
        MsgFlags::empty(),
    )?;
    if got == 0 {
        return Err(Error::eof("the other end closed"));
    }
    if got < 8 {
        crate::pipe::read_exact(socket, &mut header[got..], false)?;
    }
    let len = crate::pipe::announced_len(u64::from_le_bytes(header))?;
    let mut bytes = vec![0u8; len];
    crate::pipe::read_exact(socket, &mut bytes, false)?;
    Ok((bytes, fds))
}

/// Sends one frame (8 bytes of length, then `bytes`) with `fds` attached
/// to it: a job on its way to the server, or the server's reply.
fn send_frame(socket: BorrowedFd<'_>, bytes: &[u8], fds: &[RawFd]) -> Result<()> {
    let header = (bytes.len() as u64).to_le_bytes();
    let iov = [IoSlice::new(&header), IoSlice::new(bytes)];
    let sent = crate::fds::send_with_fds(socket, &iov, fds, MsgFlags::MSG_NOSIGNAL)?;
    // A big job goes in several pieces; the descriptors went with the first.
    if sent < header.len() {
        crate::pipe::send_all(socket, &header[sent..])?;
        crate::pipe::send_all(socket, bytes)
    } else {
        crate::pipe::send_all(socket, &bytes[sent - header.len()..])
    }
}

fn reply(socket: BorrowedFd<'_>, reply: &Reply, fds: &[RawFd]) -> Result<()> {
    send_frame(socket, &postcard::to_stdvec(reply)?, fds)
}

// ANCHOR: serve
/// The server's life: fork a child for each job that comes, reap the
/// children as they end and pass each one's exit code on; end when the
/// program closes the connection.
pub(crate) fn serve(control: OwnedFd) -> ! {
    let mut chld = SigSet::empty();
    chld.add(Signal::SIGCHLD);
    let endings = chld.thread_block().map_err(Error::from).and_then(|()| {
        SignalFd::with_flags(&chld, SfdFlags::SFD_CLOEXEC | SfdFlags::SFD_NONBLOCK)
            .map_err(Error::from)
    });
    let endings = match endings {
        Ok(fd) => fd,
        Err(e) => {
            eprintln!("error: the fork server cannot watch its children: {e}");
            // SAFETY: `_exit` is always safe to call.
            unsafe { libc::_exit(1) }
        }
    };
    // Each running child's pipe, on which its exit code will be written.
    let mut statuses: HashMap<Pid, OwnedFd> = HashMap::new();
    loop {
        let mut fds = [
            nix::poll::PollFd::new(control.as_fd(), nix::poll::PollFlags::POLLIN),
            nix::poll::PollFd::new(endings.as_fd(), nix::poll::PollFlags::POLLIN),
        ];
        match nix::poll::poll(&mut fds, nix::poll::PollTimeout::NONE) {
            Ok(_) | Err(Errno::EINTR) => {}
            Err(_) => break,
        }
        let ready = |i: usize| fds[i].revents().is_some_and(|r| !r.is_empty());
        let (job, ended) = (ready(0), ready(1));
        if ended {
            while endings.read_signal().ok().flatten().is_some() {}
            reap(&mut statuses);
        }
        if job {
            match receive(control.as_fd()) {
                Ok((bytes, received)) => fork_one(control.as_fd(), &bytes, received, &mut statuses),
                // The program is done with us (or gone).
                Err(_) => break,
            }
        }
    }
    // SAFETY: `_exit` is always safe to call; the children die with us.
    unsafe { libc::_exit(0) }
}
// ANCHOR_END: serve

/// Reaps every child that has ended, and passes its exit code on.
fn reap(statuses: &mut HashMap<Pid, OwnedFd>) {
    loop {
        let (pid, code) = match waitpid(None::<Pid>, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::Exited(pid, code)) => (pid, code),
            Ok(WaitStatus::Signaled(pid, sig, _)) => (pid, -(sig as i32)),
            Err(Errno::EINTR) => continue,
            Ok(WaitStatus::StillAlive) | Err(_) => return,
            Ok(_) => continue,
        };
        if let Some(pipe) = statuses.remove(&pid) {
            let _ = nix::unistd::write(&pipe, &code.to_le_bytes());
        }
    }
}

/// Forks a child for one job.
fn fork_one(
    control: BorrowedFd<'_>,
    bytes: &[u8],
    received: Vec<OwnedFd>,
    statuses: &mut HashMap<Pid, OwnedFd>,
) {
    let failed = |why: String| {
        let _ = reply(control, &Reply::Failed(why), &[]);
    };
    let boot = match postcard::from_bytes::<Bootstrap>(bytes) {
        Ok(boot) => boot,
        Err(e) => return failed(e.to_string()),
    };
    let wanted = boot.job_fds().to_vec();
    if wanted.len() != received.len() {
        return failed("the job's descriptors did not all arrive".into());
    }
    let (status_r, status_w) = match nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC) {
        Ok(pair) => pair,
        Err(e) => return failed(e.to_string()),
    };
    let server = nix::unistd::getpid();
    // SAFETY: the server has one thread, so the child may do anything.
    match unsafe { fork() } {
        Err(e) => failed(e.to_string()),
        Ok(ForkResult::Child) => {
            // Signals as a fresh process has them; die with the server.
            let _ = SigSet::all().thread_unblock();
            let _ = nix::sys::prctl::set_pdeathsig(Signal::SIGKILL);
            if nix::unistd::getppid() != server {
                // SAFETY: `_exit` is always safe to call.
                unsafe { libc::_exit(1) };
            }
            put_at(&received, &wanted);
            crate::fds::close_all_but(&wanted);
            run_child(boot)
        }
        Ok(ForkResult::Parent { child }) => {
            let pidfd = match super::start::pidfd_open(child) {
                Ok(fd) => fd,
                Err(e) => {
                    let _ = nix::sys::signal::kill(child, Signal::SIGKILL);
                    return failed(e.to_string());
                }
            };
            statuses.insert(child, status_w);
            let fds = [status_r.as_raw_fd(), pidfd.as_raw_fd()];
            let _ = reply(control, &Reply::Started(child.as_raw()), &fds);
        }
    }
}

/// In the forked child: puts each received descriptor at the number the
/// job's arguments name (the number it had in the program).
fn put_at(received: &[OwnedFd], wanted: &[RawFd]) {
    let top = received
        .iter()
        .map(AsRawFd::as_raw_fd)
        .chain(wanted.iter().copied())
        .max()
        .unwrap_or(2)
        + 1;
    // First out of the way of every number involved, then into place.
    let moved: Vec<RawFd> = received
        .iter()
        // SAFETY: F_DUPFD on a descriptor we own makes a new one.
        .map(|fd| unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, top) })
        .collect();
    for (&from, &to) in moved.iter().zip(wanted) {
        // SAFETY: dup2 onto a number this child no longer needs for anything
        // else (the descriptors it held there were moved above).
        unsafe { libc::dup2(from, to) };
    }
}
