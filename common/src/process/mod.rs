//! `Process`: the counterpart of Python's `multiprocessing.Process`.
//!
//! A process is made from a target (a plain `fn`, with or without an
//! argument, or a value whose type implements [`Run`]), then `start`ed,
//! `join`ed, `terminate`d or `kill`ed. Children are reaped by this module
//! only (`waitpid` on their own pid), and every child this program starts is
//! listed in one registry so that [`crate::main`] can settle them at exit.

mod forkserver;
mod start;

pub(crate) use forkserver::shutdown as shutdown_forkserver;

pub(crate) use start::{address_of, offset_of, run_child_if_spawned};

use crate::{Error, Result};
use nix::errno::Errno;
use nix::sys::signal::{self, Signal};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::{Pid, getpid, getppid};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// How a child process comes to life (Python's `set_start_method`).
#[derive(
    clap::ValueEnum,
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
)]
pub enum StartMethod {
    /// Run this program's executable again; the child receives its target and
    /// arguments as bytes and runs only that. Safe whatever the parent is doing.
    #[default]
    Spawn,
    /// `fork()` the parent: the child is a copy that runs the target at once.
    /// Fast, but sound only while the parent has a single thread.
    Fork,
    /// Ask a fork server (a single-threaded copy of this program, started
    /// on first use) to fork the child: safe whatever the parent is doing,
    /// and nearly as fast as `fork`. Python 3.14's default on Linux.
    Forkserver,
}

impl StartMethod {
    /// The name Python uses for it: `spawn`, `fork` or `forkserver`.
    pub fn name(self) -> &'static str {
        match self {
            StartMethod::Spawn => "spawn",
            StartMethod::Fork => "fork",
            StartMethod::Forkserver => "forkserver",
        }
    }
}

impl std::str::FromStr for StartMethod {
    type Err = Error;

    /// Python's names: `spawn`, `fork`, `forkserver`.
    fn from_str(name: &str) -> Result<StartMethod> {
        get_all_start_methods()
            .into_iter()
            .find(|m| m.name() == name)
            .ok_or_else(|| {
                Error::usage(format!(
                    "cannot find context for '{name}' (the start methods are spawn, fork and forkserver)"
                ))
            })
    }
}

/// Every start method this platform has, the default first (Python's
/// `get_all_start_methods()`).
pub fn get_all_start_methods() -> Vec<StartMethod> {
    vec![
        StartMethod::Spawn,
        StartMethod::Fork,
        StartMethod::Forkserver,
    ]
}

/// A type that is a process's body: the Rust answer to Python's "subclass
/// `Process` and override `run`". The value is moved into the child (so it
/// must be serializable, as Python pickles a `Process` subclass under
/// `spawn`), and the child calls `run` on it. An error it returns is
/// printed and gives exit code 1, like an exception in Python's `run`.
pub trait Run: Serialize + DeserializeOwned + 'static {
    /// The process's body (Python's overridden `run` method), called in
    /// the child.
    fn run(&self) -> crate::Result<()>;
}

/// What a target may return: nothing (exit code 0), or a `Result` whose
/// error is printed and gives exit code 1, as an uncaught exception does in
/// a Python child.
pub trait Outcome {
    fn exit_code(self) -> i32;
}

impl Outcome for () {
    fn exit_code(self) -> i32 {
        0
    }
}

impl<E: fmt::Display> Outcome for std::result::Result<(), E> {
    fn exit_code(self) -> i32 {
        match self {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("Process {}: error: {e}", current_process().name);
                1
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Who am I? The running process's own identity, and the per-program counter
// behind default names.

/// Name and daemon flag of the running process; `None` in the main process.
static ME: Mutex<Option<Identity>> = Mutex::new(None);
/// Python's `_process_counter`: default names are `Process-1`, `Process-2`, ...
static COUNTER: AtomicU32 = AtomicU32::new(1);
static START_METHOD: Mutex<StartMethod> = Mutex::new(StartMethod::Spawn);
/// In a child: the pid of the process that started it (a fork server's
/// child is the server's in the kernel's eyes, but this one's in ours).
pub(super) static PARENT: Mutex<Option<i32>> = Mutex::new(None);
/// Set by [`crate::main`]: until then, starting a child is refused.
static IN_MAIN: AtomicBool = AtomicBool::new(false);

/// Called first thing by [`crate::main`].
pub(crate) fn enter_main() {
    IN_MAIN.store(true, Ordering::Release);
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Identity {
    name: String,
    /// Python's `_identity`: `[2]` for the second child of the main process,
    /// `[2, 1]` for that child's first child (default name `Process-2:1`).
    path: Vec<u32>,
    daemon: bool,
    /// The name of the process that started this one.
    parent_name: String,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere must not make the registry unusable at exit.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Chooses how children are started from now on.
pub fn set_start_method(method: StartMethod) {
    *lock(&START_METHOD) = method;
}

/// The start method new children use unless told otherwise (Python's
/// `get_start_method()`).
pub fn get_start_method() -> StartMethod {
    *lock(&START_METHOD)
}

/// The answer to Python's `multiprocessing.current_process()`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrentProcess {
    /// `MainProcess` in the program's first process, the child's name in a child.
    pub name: String,
    /// This process's id (Python's `pid`).
    pub pid: i32,
    /// The id of the process that started this one (the one that asked
    /// for it, under `forkserver` too).
    pub parent_pid: i32,
    /// Whether this process is a daemon (Python's `daemon`).
    pub daemon: bool,
}

impl CurrentProcess {
    /// Always true: the process asking is running (Python's `is_alive()`).
    pub fn is_alive(&self) -> bool {
        true
    }

    /// Always `None`: a running process has no exit code yet (Python's
    /// `exitcode`).
    pub fn exitcode(&self) -> Option<i32> {
        None
    }
}

/// The process that started this one, as a child sees it (Python's
/// `multiprocessing.parent_process()`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParentProcess {
    /// Its name: `MainProcess`, or the name it was given.
    pub name: String,
    /// Its process id.
    pub pid: i32,
}

impl ParentProcess {
    /// Whether it still runs. (A child of this crate dies with its
    /// parent, so a child that asks nearly always hears yes.)
    pub fn is_alive(&self) -> bool {
        signal::kill(Pid::from_raw(self.pid), None).is_ok()
    }
}

/// The process that started this one; `None` in the main process
/// (Python's `parent_process()`).
pub fn parent_process() -> Option<ParentProcess> {
    let me = lock(&ME).clone()?;
    Some(ParentProcess {
        name: me.parent_name,
        pid: lock(&PARENT).unwrap_or_else(|| getppid().as_raw()),
    })
}

/// What Python's `multiprocessing.current_process()` returns, here a
/// snapshot of this process's identity.
pub fn current_process() -> CurrentProcess {
    let me = lock(&ME).clone();
    CurrentProcess {
        name: me
            .as_ref()
            .map_or_else(|| "MainProcess".to_string(), |m| m.name.clone()),
        pid: getpid().as_raw(),
        parent_pid: lock(&PARENT).unwrap_or_else(|| getppid().as_raw()),
        daemon: me.is_some_and(|m| m.daemon),
    }
}

// ---------------------------------------------------------------------------
// The registry: every child this process started and has not yet reaped.

static CHILDREN: Mutex<Vec<Arc<Child>>> = Mutex::new(Vec::new());

struct Child {
    pid: Pid,
    name: String,
    daemon: bool,
    /// Python's `exitcode`: set once the child has been reaped.
    exitcode: Mutex<Option<i32>>,
    /// For a child the fork server started (not ours to reap): the pipe its
    /// exit code comes on, and a pidfd to signal exactly that process.
    via_server: Option<forkserver::Started>,
    /// Python's `sentinel` for a child of ours: a pidfd, readable once the
    /// child has ended (a fork server's child has one in `via_server`).
    /// `None` on a kernel without pidfds (before Linux 5.3).
    pidfd: Option<OwnedFd>,
}

impl Child {
    // ANCHOR: poll
    /// Reaps the child if it has ended (waiting for that if `block`), and
    /// returns its exit code, or `None` while it runs.
    fn poll(&self, block: bool) -> Result<Option<i32>> {
        if let Some(server) = &self.via_server {
            return self.poll_server(server, block.then_some(Duration::MAX));
        }
        if block {
            // Wait for the end without reaping and without the lock, so that
            // `terminate` from another thread (or the exit-time clean-up)
            // is not held up by a thread waiting here.
            start::wait_ended(self.pid);
        }
        let mut exitcode = lock(&self.exitcode);
        if exitcode.is_some() {
            return Ok(*exitcode);
        }
        let status = loop {
            match waitpid(self.pid, Some(WaitPidFlag::WNOHANG)) {
                Err(Errno::EINTR) => continue,
                other => break other,
            }
        };
        *exitcode = match status {
            Ok(WaitStatus::Exited(_, code)) => Some(code),
            // Python's convention: minus the number of the signal that ended it.
            Ok(WaitStatus::Signaled(_, sig, _)) => Some(-(sig as i32)),
            Ok(_) => None,
            Err(e) => {
                return Err(Error::new(format!(
                    "cannot wait for process {} (pid {}): {}",
                    self.name,
                    self.pid,
                    e.desc()
                )));
            }
        };
        if let Some(code) = *exitcode {
            crate::timeline::reaped(self.pid.as_raw(), code);
            lock(&CHILDREN).retain(|c| c.pid != self.pid);
        }
        Ok(*exitcode)
    }

    /// [`Child::poll`] for a child of the fork server: its exit code comes
    /// down a pipe once the server has reaped it. Waits at most `wait`.
    fn poll_server(
        &self,
        server: &forkserver::Started,
        wait: Option<Duration>,
    ) -> Result<Option<i32>> {
        let deadline = wait.and_then(|w| std::time::Instant::now().checked_add(w));
        if wait.is_some() && !crate::pipe::readable(server.status.as_fd(), deadline)? {
            return Ok(None);
        }
        let mut exitcode = lock(&self.exitcode);
        if exitcode.is_some()
            || !crate::pipe::readable(server.status.as_fd(), Some(std::time::Instant::now()))?
        {
            return Ok(*exitcode);
        }
        let mut code = [0u8; 4];
        *exitcode = Some(match nix::unistd::read(&server.status, &mut code) {
            Ok(4) => i32::from_le_bytes(code),
            // The server died before it could say: it took the child with it.
            _ => -(Signal::SIGKILL as i32),
        });
        crate::timeline::reaped(self.pid.as_raw(), exitcode.unwrap_or_default());
        lock(&CHILDREN).retain(|c| c.pid != self.pid);
        Ok(*exitcode)
    }
    // ANCHOR_END: poll

    // ANCHOR: signal
    /// Sends `sig` unless the child has already been reaped: once reaped, its
    /// pid may belong to someone else. (An unreaped child's pid cannot.)
    fn signal(&self, sig: Signal) -> Result<()> {
        let exitcode = lock(&self.exitcode);
        if exitcode.is_none() {
            let sent = match &self.via_server {
                // Not our child: its pid could be reused once the server
                // reaps it, so signal it through its pidfd.
                Some(server) => {
                    // SAFETY: pidfd_send_signal takes a pidfd we own, a signal
                    // number, no siginfo and no flags.
                    let rc = unsafe {
                        libc::syscall(
                            libc::SYS_pidfd_send_signal,
                            server.pidfd.as_raw_fd(),
                            sig as i32,
                            std::ptr::null::<libc::siginfo_t>(),
                            0,
                        )
                    };
                    if rc == 0 { Ok(()) } else { Err(Errno::last()) }
                }
                None => signal::kill(self.pid, sig),
            };
            crate::timeline::signalled(self.pid.as_raw(), sig as i32);
            match sent {
                Ok(()) | Err(Errno::ESRCH) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }
    // ANCHOR_END: signal
}

// ANCHOR: finish_children
/// Terminates daemon children and joins the others: what Python does when
/// a program ends. Called by [`crate::main`], in parents and children alike.
pub(crate) fn finish_children() {
    let children = lock(&CHILDREN).clone();
    let _wait = crate::timeline::blocked("join children at exit");
    for child in children.iter().filter(|c| c.daemon) {
        let _ = child.signal(Signal::SIGTERM);
    }
    for child in &children {
        let _ = child.poll(true);
    }
}
// ANCHOR_END: finish_children

/// A started child, as Python's `multiprocessing.active_children()` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActiveChild {
    pub name: String,
    pub pid: i32,
    pub daemon: bool,
}

/// Reaps the children that have ended, so that none stays a zombie until
/// somebody joins it (Python does this in `start` and `active_children`).
fn reap_finished() {
    let children = lock(&CHILDREN).clone();
    for child in children {
        let _ = child.poll(false);
    }
}

/// The children that are still running; reaps those that have ended.
pub fn active_children() -> Vec<ActiveChild> {
    let children = lock(&CHILDREN).clone();
    children
        .into_iter()
        .filter(|c| matches!(c.poll(false), Ok(None)))
        .map(|c| ActiveChild {
            name: c.name.clone(),
            pid: c.pid.as_raw(),
            daemon: c.daemon,
        })
        .collect()
}

// ---------------------------------------------------------------------------
// The Process object.

/// A child process, before, during and after its life.
///
/// ```no_run
/// fn foo(i: u32) {
///     println!("called function in process: {i}");
/// }
///
/// let mut p = common::Process::with_args(foo, 7);
/// p.start()?;
/// p.join()?;
/// # Ok::<(), common::Error>(())
/// ```
pub struct Process {
    /// What the child runs (see `start.rs`), or why its arguments could not
    /// be encoded, reported by `start` as Python reports a pickling error.
    job: Result<start::Job>,
    name: String,
    /// `Process`, or the type's name for a [`Run`] value, as in Python's repr.
    kind: String,
    daemon: bool,
    parent_pid: Pid,
    /// Python's `_identity` of the child-to-be.
    path: Vec<u32>,
    child: Option<Arc<Child>>,
    /// From a [`Context`]: the start method for this process only.
    method: Option<StartMethod>,
    /// After `close()`: nothing more may be asked of it.
    closed: bool,
}

impl Process {
    /// A process that will call `target()`.
    pub fn new<R: Outcome + 'static>(target: fn() -> R) -> Self {
        Self::build("Process", Ok(start::Job::call(target)))
    }

    /// A process that will call `target(args)`: Python's
    /// `Process(target=foo, args=(i,))`. `args` is serialized for the child;
    /// pass a tuple for several arguments.
    pub fn with_args<A, R>(target: fn(A) -> R, args: A) -> Self
    where
        A: Serialize + DeserializeOwned + 'static,
        R: Outcome + 'static,
    {
        Self::build("Process", start::Job::call_with(target, &args))
    }

    /// A process whose body is `body.run()`: the Rust way to "subclass
    /// `Process`". Its default name comes from the type (`MyProcess-1`).
    pub fn from_run<T: Run>(body: T) -> Self {
        let kind = std::any::type_name::<T>();
        // `subclass::MyProcess` -> `MyProcess` (generic parameters dropped too).
        let kind = kind.split('<').next().unwrap_or(kind);
        let kind = kind.rsplit("::").next().unwrap_or(kind);
        Self::build(kind, start::Job::run(&body))
    }

    // ANCHOR: build
    fn build(kind: &str, job: Result<start::Job>) -> Self {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let mut path = lock(&ME).as_ref().map_or_else(Vec::new, |m| m.path.clone());
        path.push(n);
        let number = path
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(":");
        Process {
            job,
            name: format!("{kind}-{number}"),
            kind: kind.to_string(),
            daemon: false,
            parent_pid: getpid(),
            path,
            child: None,
            method: None,
            closed: false,
        }
    }
    // ANCHOR_END: build

    /// Gives the process a name of your own (Python's `name=` argument).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Makes the process a daemon (Python's `daemon=True`): terminated, not
    /// waited for, when the program ends; not allowed to start children.
    pub fn daemon(mut self, daemon: bool) -> Self {
        self.daemon = daemon;
        self
    }

    /// Python's `p.daemon = ...`, allowed until the process starts.
    pub fn set_daemon(&mut self, daemon: bool) -> Result<()> {
        if self.child.is_some() {
            return Err(Error::new("cannot set daemon status of active process"));
        }
        self.daemon = daemon;
        Ok(())
    }

    /// The process's name (Python's `name`).
    pub fn get_name(&self) -> &str {
        &self.name
    }

    /// Whether it is a daemon (Python's `daemon`).
    pub fn is_daemon(&self) -> bool {
        self.daemon
    }

    /// The child's pid, once started.
    pub fn pid(&self) -> Option<i32> {
        self.child.as_ref().map(|c| c.pid.as_raw())
    }

    // ANCHOR: start
    /// Starts the child. Errors if it was started before, if this process
    /// is a daemon, or if the `fork` start method is used with threads about.
    pub fn start(&mut self) -> Result<()> {
        if self.closed {
            return Err(Error::with_kind(
                crate::Kind::Value,
                "process object is closed",
            ));
        }
        if !IN_MAIN.load(Ordering::Acquire) {
            // Under `spawn` the child runs `main` from the top: a start
            // before `common::main` would start another child there, and so
            // on for ever. Python refuses the same way.
            return Err(Error::new(
                "a process was started before common::main: call `common::main(...)` first \
                 thing in `main` and start processes from the closure given to it (Python's \
                 `if __name__ == \"__main__\":` guard)",
            ));
        }
        if self.child.is_some() {
            return Err(Error::new("cannot start a process twice"));
        }
        reap_finished();
        if current_process().daemon {
            return Err(Error::new(
                "daemonic processes are not allowed to have children",
            ));
        }
        let identity = Identity {
            name: self.name.clone(),
            path: self.path.clone(),
            daemon: self.daemon,
            parent_name: current_process().name,
        };
        let job = self.job.as_mut().map_err(|e| e.clone())?;
        let method = self.method.unwrap_or_else(get_start_method);
        let starting = crate::timeline::blocked(&format!("start {}", self.name));
        let launched = start::start(method, &identity, job)?;
        drop(starting);
        job.release_descriptors();
        let child = Arc::new(Child {
            pid: launched.pid,
            name: self.name.clone(),
            daemon: self.daemon,
            exitcode: Mutex::new(None),
            // A fork server's child comes with a pidfd of its own.
            pidfd: match launched.via_server {
                None => start::pidfd_open(launched.pid).ok(),
                Some(_) => None,
            },
            via_server: launched.via_server,
        });
        crate::timeline::spawned(launched.pid.as_raw(), &self.name);
        lock(&CHILDREN).push(child.clone());
        self.child = Some(child);
        Ok(())
    }
    // ANCHOR_END: start

    /// Starts this process with `method` whatever the program's default
    /// (what a [`Context`] does for the processes it makes).
    pub fn start_method(mut self, method: StartMethod) -> Self {
        self.method = Some(method);
        self
    }

    /// Releases what the process object holds (Python's `close()`): an
    /// error while the process runs; afterwards, every method but `close`
    /// and the name is an error, as in Python.
    pub fn close(&mut self) -> Result<()> {
        if let Some(child) = &self.child
            && matches!(child.poll(false), Ok(None))
        {
            return Err(Error::with_kind(
                crate::Kind::Value,
                "cannot close a process while it is still running; use join() or terminate() first",
            ));
        }
        self.child = None;
        self.job = Err(Error::with_kind(
            crate::Kind::Value,
            "process object is closed",
        ));
        self.closed = true;
        Ok(())
    }

    fn started(&self, what: &str) -> Result<&Child> {
        if self.closed {
            return Err(Error::with_kind(
                crate::Kind::Value,
                "process object is closed",
            ));
        }
        self.child
            .as_deref()
            .ok_or_else(|| Error::new(format!("can only {what} a started process")))
    }

    /// Waits until the child ends.
    pub fn join(&mut self) -> Result<()> {
        let child = self.started("join")?;
        let _wait = crate::timeline::blocked(&format!("join {}", self.name));
        child.poll(true).map(|_| ())
    }

    /// Waits at most `timeout` for the child to end; check [`Process::is_alive`]
    /// or [`Process::exitcode`] afterwards, as in Python.
    pub fn join_timeout(&mut self, timeout: Duration) -> Result<()> {
        let child = self.started("join")?;
        if let Some(server) = &child.via_server {
            child.poll_server(server, Some(timeout))?;
        } else if child.poll(false)?.is_none() {
            // Its pidfd becomes readable when it ends; it is reaped after.
            let pidfd = child.pidfd.as_ref().ok_or_else(|| {
                Error::new("join with a timeout needs pidfds (Linux 5.3 or later)")
            })?;
            crate::pipe::readable(
                pidfd.as_fd(),
                std::time::Instant::now().checked_add(timeout),
            )?;
            child.poll(false)?;
        }
        Ok(())
    }

    // ANCHOR: terminate
    /// Asks the child to stop with SIGTERM (Python's `terminate()`).
    /// It does not wait: `join` afterwards.
    pub fn terminate(&self) -> Result<()> {
        self.started("terminate")?.signal(Signal::SIGTERM)
    }

    /// Stops the child with SIGKILL, which it cannot catch (Python's `kill()`).
    pub fn kill(&self) -> Result<()> {
        self.started("kill")?.signal(Signal::SIGKILL)
    }
    // ANCHOR_END: terminate

    /// Python's `sentinel`: a descriptor that becomes readable when the
    /// child ends, for [`crate::wait`] (or any `poll`). `None` before
    /// `start`, or on a kernel without pidfds (before Linux 5.3). It stays
    /// readable after the child is joined.
    pub fn sentinel(&self) -> Option<BorrowedFd<'_>> {
        let child = self.child.as_ref()?;
        match &child.via_server {
            Some(server) => Some(server.pidfd.as_fd()),
            None => child.pidfd.as_ref().map(AsFd::as_fd),
        }
    }

    /// True from `start` until the child has ended.
    pub fn is_alive(&self) -> bool {
        self.child
            .as_ref()
            .is_some_and(|c| matches!(c.poll(false), Ok(None)))
    }

    /// `None` until the child has ended; then its exit code, or minus the
    /// signal that killed it (`-15` after `terminate`).
    pub fn exitcode(&self) -> Option<i32> {
        self.child
            .as_ref()
            .and_then(|c| c.poll(false).ok().flatten())
    }
}

// ANCHOR: repr
/// Python 3.8+'s repr: `<Process name='Process-1' pid=42 parent=41 started>`.
impl fmt::Display for Process {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} name='{}'", self.kind, self.name)?;
        if let Some(pid) = self.pid() {
            write!(f, " pid={pid}")?;
        }
        write!(f, " parent={}", self.parent_pid)?;
        match (&self.child, self.exitcode()) {
            (None, _) => write!(f, " initial")?,
            (Some(_), None) => write!(f, " started")?,
            (Some(_), Some(code)) => {
                write!(f, " stopped exitcode=")?;
                // Python names a signal: `exitcode=-SIGTERM`.
                match Signal::try_from(-code) {
                    Ok(sig) if code < 0 => write!(f, "-{}", sig.as_str())?,
                    _ => write!(f, "{code}")?,
                }
            }
        }
        if self.daemon {
            write!(f, " daemon")?;
        }
        write!(f, ">")
    }
}
// ANCHOR_END: repr

impl fmt::Debug for Process {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

// ---------------------------------------------------------------------------
// Contexts.

/// A start method to make processes and pools with, whatever the program's
/// default (Python's `multiprocessing.get_context(method)`): one program can
/// use two methods side by side.
///
/// ```no_run
/// fn work() {}
/// let ctx = common::get_context(common::StartMethod::Forkserver);
/// let mut p = ctx.process(work);
/// p.start()?;
/// p.join()?;
/// # Ok::<(), common::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Context {
    method: StartMethod,
}

/// The context of a start method (Python's `get_context(method)`; for
/// Python's `get_context()` with no method, pass [`get_start_method()`]).
pub fn get_context(method: StartMethod) -> Context {
    Context { method }
}

impl Context {
    /// This context's start method.
    pub fn get_start_method(&self) -> StartMethod {
        self.method
    }

    /// [`Process::new`], started with this context's method.
    pub fn process<R: Outcome + 'static>(&self, target: fn() -> R) -> Process {
        Process::new(target).start_method(self.method)
    }

    /// [`Process::with_args`], started with this context's method.
    pub fn process_with_args<A, R>(&self, target: fn(A) -> R, args: A) -> Process
    where
        A: Serialize + DeserializeOwned + 'static,
        R: Outcome + 'static,
    {
        Process::with_args(target, args).start_method(self.method)
    }

    /// [`Process::from_run`], started with this context's method.
    pub fn process_from_run<T: Run>(&self, body: T) -> Process {
        Process::from_run(body).start_method(self.method)
    }

    /// A pool whose workers start with this context's method.
    pub fn pool(&self, processes: usize) -> Result<crate::Pool> {
        self.pool_builder(processes).build()
    }

    /// [`crate::Pool::builder`], for this context's method.
    pub fn pool_builder(&self, processes: usize) -> crate::PoolBuilder {
        crate::Pool::builder(processes).start_method(self.method)
    }
}
