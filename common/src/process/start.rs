//! How a child comes to life, under each start method, and what it does
//! first.
//!
//! A [`Job`] says what the child runs: a function of this program and its
//! serialized arguments. Functions cannot be sent as bytes, but the child
//! runs the *same executable*, so a function's distance from a fixed point
//! of the program is the same in parent and child, whatever address the
//! loader picked. (Python does the same by name: it pickles a function as
//! "module.function" and the child imports it.)

use super::{CHILDREN, COUNTER, Identity, ME, Outcome, Run, START_METHOD, StartMethod, lock};
use crate::{Error, Result};
use nix::fcntl::{FcntlArg, FdFlag, fcntl};
use nix::sys::signal::Signal;
use nix::sys::socket::{AddressFamily, SockFlag, SockType, socketpair};
use nix::unistd::{ForkResult, Pid, fork, getppid};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::{Command, Stdio};

/// Set in a spawned child's environment: the descriptor its job arrives on.
const BOOTSTRAP_FD: &str = "COOKBOOK_BOOTSTRAP_FD";

// ANCHOR: offsets
/// The fixed point that function offsets are measured from.
#[inline(never)]
fn origin() {}

pub(crate) fn offset_of(addr: usize) -> isize {
    addr as isize - origin as fn() as usize as isize
}

pub(crate) fn address_of(offset: isize) -> usize {
    (origin as fn() as usize as isize + offset) as usize
}

/// The entry point a child calls: a monomorphised trampoline that decodes the
/// arguments (taking the descriptors `fds` it was given), calls the target
/// and turns its outcome into an exit code.
type Entry = fn(target: usize, args: &[u8], fds: &[RawFd]) -> Result<i32>;
// ANCHOR_END: offsets

/// What a child runs, as it travels to the child.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct JobWire {
    entry: isize,
    target: isize,
    args: Vec<u8>,
    /// Descriptors the arguments refer to (see `fds.rs`).
    fds: Vec<RawFd>,
}

/// What a child runs, and the parent's copies of the descriptors it takes,
/// held until the child has started.
#[derive(Debug)]
pub(crate) struct Job {
    wire: JobWire,
    held: Vec<OwnedFd>,
}

/// Serializes a child's arguments, collecting the descriptors they hold.
fn encode<A: Serialize + ?Sized>(args: &A) -> Result<(Vec<u8>, Vec<OwnedFd>)> {
    let (bytes, held) = crate::fds::collect(|| postcard::to_stdvec(args));
    Ok((bytes?, held))
}

fn decode<A: DeserializeOwned>(args: &[u8], fds: &[RawFd]) -> Result<A> {
    Ok(crate::fds::receive(fds, || postcard::from_bytes(args))?)
}

impl Job {
    fn new(entry: Entry, target: usize, args: Vec<u8>, held: Vec<OwnedFd>) -> Job {
        Job {
            wire: JobWire {
                entry: offset_of(entry as usize),
                target: offset_of(target),
                fds: held.iter().map(AsRawFd::as_raw_fd).collect(),
                args,
            },
            held,
        }
    }

    pub(crate) fn call<R: Outcome + 'static>(target: fn() -> R) -> Job {
        fn entry<R: Outcome>(target: usize, _args: &[u8], _fds: &[RawFd]) -> Result<i32> {
            // SAFETY: `target` was made from a `fn() -> R` of this same executable.
            let f = unsafe { std::mem::transmute::<usize, fn() -> R>(target) };
            Ok(f().exit_code())
        }
        Job::new(entry::<R>, target as usize, Vec::new(), Vec::new())
    }

    pub(crate) fn call_with<A, R>(target: fn(A) -> R, args: &A) -> Result<Job>
    where
        A: Serialize + DeserializeOwned + 'static,
        R: Outcome + 'static,
    {
        fn entry<A: DeserializeOwned, R: Outcome>(
            target: usize,
            args: &[u8],
            fds: &[RawFd],
        ) -> Result<i32> {
            let args: A = decode(args, fds)?;
            // SAFETY: `target` was made from a `fn(A) -> R` of this same executable.
            let f = unsafe { std::mem::transmute::<usize, fn(A) -> R>(target) };
            Ok(f(args).exit_code())
        }
        let (bytes, held) = encode(args)?;
        Ok(Job::new(entry::<A, R>, target as usize, bytes, held))
    }

    pub(crate) fn run<T: Run>(body: &T) -> Result<Job> {
        fn entry<T: Run>(_target: usize, args: &[u8], fds: &[RawFd]) -> Result<i32> {
            let body: T = decode(args, fds)?;
            Ok(body.run().exit_code())
        }
        let (bytes, held) = encode(body)?;
        Ok(Job::new(entry::<T>, origin as fn() as usize, bytes, held))
    }

    /// The parent's copies of the child's descriptors are closed once the
    /// child has them: a reader waiting for end-of-file must not wait on us.
    pub(crate) fn release_descriptors(&mut self) {
        self.held.clear();
    }
}

impl JobWire {
    fn execute(&self) -> Result<i32> {
        // SAFETY: `entry` was made from an `Entry` of this same executable.
        let entry = unsafe { std::mem::transmute::<usize, Entry>(address_of(self.entry)) };
        entry(address_of(self.target), &self.args, &self.fds)
    }
}

/// Everything a child needs to know: who it is, how its own children are
/// to start, and what to run.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct Bootstrap {
    identity: Identity,
    start_method: StartMethod,
    parent: i32,
    job: JobWire,
}

impl Bootstrap {
    /// The descriptors the job's arguments name, by number.
    pub(crate) fn job_fds(&self) -> &[RawFd] {
        &self.job.fds
    }
}

/// A child just started: its pid and, when it is not our own child (the
/// fork server's), how to learn its end and to signal it.
pub(crate) struct Launched {
    pub(crate) pid: Pid,
    pub(crate) via_server: Option<super::forkserver::Started>,
}

/// Starts a child running `job`.
pub(crate) fn start(method: StartMethod, identity: &Identity, job: &Job) -> Result<Launched> {
    let boot = Bootstrap {
        identity: identity.clone(),
        start_method: method,
        parent: nix::unistd::getpid().as_raw(),
        job: job.wire.clone(),
    };
    // Anything still buffered would otherwise be printed twice (fork) or late.
    let _ = std::io::stdout().flush();
    let ours = |pid| Launched {
        pid,
        via_server: None,
    };
    match method {
        StartMethod::Spawn => on_lasting_thread(move || spawn(&boot)).map(ours),
        StartMethod::Fork => fork_child(boot).map(ours),
        StartMethod::Forkserver => {
            let started = super::forkserver::start(&boot, &boot.job.fds)?;
            Ok(Launched {
                pid: started.pid,
                via_server: Some(started),
            })
        }
    }
}

// ANCHOR: lasting_thread
/// The name of the thread that starts children for short-lived threads.
const STARTER_THREAD: &str = "cookbook-starter";

/// Runs `start` on a thread that lives as long as the program: the main
/// thread, or else a starter thread of ours. The kernel's "kill me when my
/// parent dies" (`PR_SET_PDEATHSIG`, see `die_with_parent`) fires when the
/// *thread* that started the child ends, so a child started by a thread that
/// ends early would be killed with it.
fn on_lasting_thread(start: impl FnOnce() -> Result<Pid> + Send + 'static) -> Result<Pid> {
    type Work = Box<dyn FnOnce() + Send>;
    static STARTER: std::sync::OnceLock<std::sync::Mutex<std::sync::mpsc::Sender<Work>>> =
        std::sync::OnceLock::new();
    if nix::unistd::gettid() == nix::unistd::getpid() {
        return start();
    }
    let starter = STARTER.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel::<Work>();
        // If the thread cannot be made, `rx` is dropped and the send below fails.
        let _ = std::thread::Builder::new()
            .name(STARTER_THREAD.into())
            .spawn(move || {
                for work in rx {
                    work();
                }
            });
        std::sync::Mutex::new(tx)
    });
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let work: Work = Box::new(move || {
        let _ = done_tx.send(start());
    });
    lock(starter)
        .send(work)
        .map_err(|_| Error::new("cannot start a thread to start child processes from"))?;
    done_rx
        .recv()
        .map_err(|_| Error::new("the thread that starts child processes has stopped"))?
}
// ANCHOR_END: lasting_thread

// ANCHOR: spawn
/// `spawn`: run this executable again. The job goes down a socket whose other
/// end the child inherits; its number is in the child's environment.
fn spawn(boot: &Bootstrap) -> Result<Pid> {
    let bytes = postcard::to_stdvec(boot)?;
    // A socket pair rather than a pipe: sending with MSG_NOSIGNAL means a child
    // that dies early gives us an error, not a SIGPIPE (see `crate::main`).
    // Both ends close on exec, so no other child inherits them by accident.
    let (read_end, write_end) = socketpair(
        AddressFamily::Unix,
        SockType::Stream,
        None,
        SockFlag::SOCK_CLOEXEC,
    )?;
    let mut child = exec_self(BOOTSTRAP_FD, read_end, boot.job.fds.clone(), boot.parent)?;
    if let Err(e) = crate::pipe::send_all(write_end.as_fd(), &bytes) {
        // The child died before reading its job: reap it and report.
        let _ = child.kill();
        let _ = child.wait();
        return Err(Error::new(format!(
            "the child exited before it got its job: {e}"
        )));
    }
    // `child` (std's handle) is dropped without waiting: this module reaps.
    Ok(Pid::from_raw(child.id() as i32))
}

/// Runs this executable again with `socket` open in it, its number in the
/// environment variable `env`, and the descriptors `given` open too; every
/// other descriptor is closed by the exec.
fn exec_self(
    env: &str,
    socket: OwnedFd,
    given: Vec<RawFd>,
    parent: i32,
) -> Result<std::process::Child> {
    // Descriptors 0-2 are about to become the child's stdio: keep clear of them
    // (a parent started with stdin closed would get 0 here).
    let socket = if socket.as_raw_fd() < 3 {
        let fd = fcntl(&socket, FcntlArg::F_DUPFD_CLOEXEC(3))?;
        // SAFETY: fcntl just made this descriptor for us.
        unsafe { OwnedFd::from_raw_fd(fd) }
    } else {
        socket
    };
    let socket_fd = socket.as_raw_fd();
    let mut command = Command::new("/proc/self/exe");
    if let Some(arg0) = std::env::args_os().next() {
        command.arg0(arg0);
    }
    command.env(env, socket_fd.to_string()).stdin(Stdio::null());
    command.envs(crate::timeline::child_env());
    // SAFETY: between fork and exec this only makes async-signal-safe calls.
    unsafe {
        command.pre_exec(move || {
            // These descriptors, and only in this child, survive the exec:
            // the job's socket and those the arguments hold. Any other the
            // parent inherited open across exec is closed by it.
            crate::fds::close_on_exec_from(3);
            for fd in std::iter::once(socket_fd).chain(given.iter().copied()) {
                let fd = std::os::fd::BorrowedFd::borrow_raw(fd);
                fcntl(fd, FcntlArg::F_SETFD(FdFlag::empty()))?;
            }
            die_with_parent(parent);
            Ok(())
        });
    }
    let child = command.spawn()?;
    drop(socket);
    Ok(child)
}

/// Starts this executable again as a helper process of ours (the fork
/// server), from a thread that lives as long as the program, with `socket`
/// open in it under the environment variable `env`; returns its pid.
pub(crate) fn lasting_command(env: &'static str, socket: OwnedFd) -> Result<Pid> {
    let parent = nix::unistd::getpid().as_raw();
    on_lasting_thread(move || {
        let child = exec_self(env, socket, Vec::new(), parent)?;
        Ok(Pid::from_raw(child.id() as i32))
    })
}
// ANCHOR_END: spawn

// ANCHOR: fork
/// `fork`: copy this process. The copy has only the thread that called
/// `fork`; any lock another thread held (the allocator's, stdout's) stays
/// locked forever in the copy, so we refuse unless this is the only thread.
fn fork_child(boot: Bootstrap) -> Result<Pid> {
    let threads = thread_count();
    if threads > 1 {
        return Err(Error::usage(format!(
            "the fork start method needs a single-threaded parent, and this process has \
             {threads} threads; use --start-method spawn"
        )));
    }
    // SAFETY: the process has one thread of its own code (checked above).
    // Our queue feeders and the starter thread may run beside it: in the
    // child they are gone, and it never touches what they hold (a queue's
    // in-process buffer; the child rebuilds its queues from its arguments).
    match unsafe { fork() }? {
        ForkResult::Parent { child } => Ok(child),
        ForkResult::Child => {
            die_with_parent(boot.parent);
            // Keep what a spawned child would have: stdio and the job's descriptors.
            crate::fds::close_all_but(&boot.job.fds);
            run_child(boot)
        }
    }
}
// ANCHOR_END: fork

// ANCHOR: die_with_parent
/// How many threads this process runs, not counting our own helpers (a
/// queue's feeder, the starter): `/proc/self/task` lists them, by name.
fn thread_count() -> usize {
    let ours = [
        crate::queue::FEEDER_THREAD,
        STARTER_THREAD,
        crate::timeline::RELAY_THREAD,
    ];
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 1;
    };
    tasks
        .flatten()
        .filter(|task| {
            let name = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
            !ours.contains(&name.trim_end())
        })
        .count()
}

/// Asks the kernel to kill this (child) process when its parent dies, so a
/// child never outlives a parent that was killed; and exits at once if the
/// parent is already gone. Async-signal-safe, so usable before exec.
fn die_with_parent(parent: i32) {
    let _ = nix::sys::prctl::set_pdeathsig(Signal::SIGKILL);
    if getppid().as_raw() != parent {
        // SAFETY: `_exit` is always safe to call.
        unsafe { libc::_exit(1) };
    }
}
// ANCHOR_END: die_with_parent

/// Called first thing by [`crate::main`]: in a spawned child, read the job,
/// run it and exit; in any other process, return at once.
pub(crate) fn run_child_if_spawned() {
    if let Some(fd) = std::env::var_os(super::forkserver::SERVER_FD) {
        // SAFETY: no other thread exists yet.
        unsafe { std::env::remove_var(super::forkserver::SERVER_FD) };
        match fd.to_str().and_then(|s| s.parse::<RawFd>().ok()) {
            // SAFETY: the program handed us this descriptor, open, for us alone.
            Some(fd) => super::forkserver::serve(unsafe { OwnedFd::from_raw_fd(fd) }),
            None => {
                eprintln!(
                    "error: {} is not a descriptor",
                    super::forkserver::SERVER_FD
                );
                std::process::exit(1);
            }
        }
    }
    let Some(fd) = std::env::var_os(BOOTSTRAP_FD) else {
        return;
    };
    // SAFETY: no other thread exists yet; grandchildren get their own value.
    unsafe { std::env::remove_var(BOOTSTRAP_FD) };
    let boot = fd
        .to_str()
        .and_then(|s| s.parse::<i32>().ok())
        .ok_or_else(|| Error::new(format!("{BOOTSTRAP_FD} is not a descriptor")))
        .and_then(|fd| {
            // SAFETY: the parent handed us this descriptor, open, for us alone.
            let mut pipe = std::fs::File::from(unsafe { OwnedFd::from_raw_fd(fd) });
            let mut bytes = Vec::new();
            pipe.read_to_end(&mut bytes)?;
            Ok(postcard::from_bytes::<Bootstrap>(&bytes)?)
        });
    match boot {
        Ok(boot) => run_child(boot),
        Err(e) => {
            eprintln!("error: this process was started as a child but got no job: {e}");
            std::process::exit(1);
        }
    }
}

// ANCHOR: run_child
/// The child's life: become who the parent said, run the job, settle our own
/// children, exit with the job's code (1 if it panicked, as an uncaught
/// exception gives 1 in Python).
pub(crate) fn run_child(boot: Bootstrap) -> ! {
    super::enter_main();
    *lock(&super::PARENT) = Some(boot.parent);
    // A forked child inherits the parent's list of queue feeders, not the threads.
    crate::queue::forget_all();
    crate::timeline::started(&boot.identity.name, -1);
    *lock(&ME) = Some(boot.identity);
    *lock(&START_METHOD) = boot.start_method;
    // A forked child inherits the parent's bookkeeping: none of it is ours.
    // Forgotten, not dropped: the descriptors it holds (pidfds, a fork
    // server's pipes) were closed when the child kept only what it was
    // given, and their numbers may be in use again.
    std::mem::forget(std::mem::take(&mut *lock(&CHILDREN)));
    COUNTER.store(1, std::sync::atomic::Ordering::Relaxed);

    let code = match catch_unwind(AssertUnwindSafe(|| boot.job.execute())) {
        Ok(Ok(code)) => code,
        Ok(Err(e)) => {
            eprintln!("error: {e}");
            1
        }
        // The panic hook has printed the message.
        Err(_) => 1,
    };
    super::finish_children();
    crate::queue::flush_all();
    super::forkserver::shutdown();
    let _ = std::io::stdout().flush();
    crate::timeline::exited(code, "");
    // `_exit`: a forked child must not run the parent's exit-time code, and a
    // spawned one has nothing else to run.
    // SAFETY: `_exit` is always safe to call.
    unsafe { libc::_exit(code) }
}
// ANCHOR_END: run_child

/// A pidfd for process `pid` (close-on-exec): readable once the process has
/// ended, and a way to signal exactly that process, never another that
/// takes its pid later. `pid` must not be reaped yet.
pub(crate) fn pidfd_open(pid: Pid) -> std::io::Result<OwnedFd> {
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor, or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid.as_raw(), 0) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: a descriptor the kernel just opened for us alone.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// Waits until process `pid` (our child) has ended, without reaping it; at
/// once if it is already reaped.
pub(crate) fn wait_ended(pid: Pid) {
    loop {
        // SAFETY: `info` is ours to write; WNOWAIT leaves the child unreaped.
        let rc = unsafe {
            let mut info: libc::siginfo_t = std::mem::zeroed();
            libc::waitid(
                libc::P_PID,
                pid.as_raw() as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if rc == 0 || nix::errno::Errno::last() != nix::errno::Errno::EINTR {
            return;
        }
    }
}
