//! The cookbook's machinery: what Python's `multiprocessing` gives a program,
//! written once here so that each recipe's `main.rs` can read like the Python
//! original.
//!
//! - [`Process`]: start a function (or a type implementing [`Run`]) in a child
//!   process, name it, make it a daemon, join, terminate or kill it.
//! - [`run`]: the entry point every multiprocessing recipe calls: its flags,
//!   `--start-method`, then its body inside [`main`], the counterpart of
//!   Python's `if __name__ == "__main__":` guard.
//! - [`Queue`] (bounded with [`Queue::with_maxsize`]), [`JoinableQueue`],
//!   [`SimpleQueue`] and [`pipe`]: exchange values between processes.
//! - [`Lock`], [`RLock`], [`Semaphore`], [`Event`], [`Condition`],
//!   [`Barrier`], [`Value`], [`Array`], [`RawValue`], [`RawArray`]:
//!   synchronise and share state.
//! - [`SharedMemory`]: raw shared bytes (Python's
//!   `multiprocessing.shared_memory`), and [`Inherit`]: any open descriptor
//!   handed to a child, for programs that build their own exchange.
//! - [`connection`]: [`Listener`] and [`connection::client`] connect
//!   unrelated processes by address, with an authentication key; [`wait`]
//!   waits for the first ready of several connections or processes.
//! - [`Manager`]: a server process holding dictionaries, lists, namespaces,
//!   queues, locks, events, values and objects of your own types.
//! - [`ipc`]: ipc-channel as a transport to a child, with a bounded wait
//!   for the child to connect.
//! - [`dumps`] and [`loads`]: a value to bytes and back (Python's `pickle`).
//! - [`Pool`]: long-lived worker processes that run many tasks.
//! - [`sleep`]: the book's pacing, scaled by `COOKBOOK_TIME_SCALE`.
//! - [`cli`]: flags shared by the recipes, and one-line errors for bad ones.
//! - [`timeline`]: `--timeline FILE.svg`, a picture of what each process did.
//! - `mpi` (with the `mpi` feature): how an MPI recipe gets its ranks.

#![warn(missing_docs)]

pub mod cli;
pub mod connection;
mod error;
mod fds;
pub mod ipc;
mod manager;
#[cfg(feature = "mpi")]
pub mod mpi;
mod pickle;
mod pipe;
mod pool;
mod process;
mod queue;
mod shm;
mod sync;
mod time;
pub mod timeline;

pub use connection::{Address, Listener, wait};
pub use error::{Error, Kind, Result};
pub use fds::Inherit;
pub use manager::{
    Constructor, DictProxy, EventProxy, ListProxy, LockProxy, LockProxyGuard, Manager,
    ManagerBuilder, Namespace, QueueProxy, Shared, SharedProxy, ValueProxy,
};
pub use pickle::{dumps, loads};
pub use pipe::{Connection, DEFAULT_MAX_MESSAGE, max_message_size, pipe, set_max_message_size};
pub use pool::{AsyncResult, Imap, MapResult, Pool, PoolBuilder};
pub use process::{
    Context, CurrentProcess, ParentProcess, Process, Run, StartMethod, active_children,
    current_process, get_all_start_methods, get_context, get_start_method, parent_process,
    set_start_method,
};
pub use queue::{JoinableQueue, Queue, SimpleQueue};
pub use shm::SharedMemory;
pub use sync::{
    Array, ArrayGuard, Barrier, Condition, ConditionGuard, Event, Lock, LockGuard, RLock, RawArray,
    RawValue, Semaphore, Shareable, Value, ValueGuard,
};
pub use time::{sleep, time_scale};

use std::process::ExitCode;

// ANCHOR: main
/// Runs a recipe's `main`, the way Python runs a script's
/// `if __name__ == "__main__":` block.
///
/// Call it first thing in `main`. In a child started with the `spawn` start
/// method the program is executed again from the top; `main` notices that it
/// is a child, runs the target it was given and exits, so `body` runs only in
/// the parent. Code placed *before* this call would run in every child too.
///
/// When `body` returns (or panics), daemon children are terminated, the
/// others are joined, and what this process put on queues is delivered,
/// as Python does when a script ends.
pub fn main(body: impl FnOnce() -> Result<()>) -> ExitCode {
    process::enter_main();
    // Printing into a closed pipe (`recipe | head`) ends quietly, in the
    // parent and in every child.
    cli::default_sigpipe();
    process::run_child_if_spawned();
    if let Err(e) = time::check_time_scale() {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body));
    process::finish_children();
    queue::flush_all();
    process::shutdown_forkserver();
    let code = match outcome {
        Ok(Ok(())) => 0,
        Ok(Err(e)) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
        // The panic hook has already printed the message.
        Err(_) => 101,
    };
    // With `--timeline`: every child has ended, so the picture is whole.
    if let Err(e) = timeline::end(code.into()) {
        eprintln!("error: {e}");
        return ExitCode::from(1);
    }
    ExitCode::from(code)
}
// ANCHOR_END: main

/// A recipe's `main`: [`main`], whose body parses the recipe's flags `T`
/// (with `--start-method` added, and bad ones refused in one line, exit
/// code 2, see [`cli`]), sets the start method, and runs `body` with them.
///
/// ```no_run
/// #[derive(clap::Parser)]
/// #[command(about = "Say hello from a child process")]
/// struct Args {}
///
/// fn main() -> std::process::ExitCode {
///     common::run(run)
/// }
///
/// fn run(_: Args) -> common::Result<()> {
///     common::Process::new(|| println!("hello")).start()?;
///     Ok(())
/// }
/// ```
pub fn run<T: clap::Parser>(body: impl FnOnce(T) -> Result<()>) -> ExitCode {
    main(|| {
        // Parsed here, not before `main`: a spawned child runs its target
        // and exits inside `main`, and never reads the parent's flags.
        let (args, start) = cli::parse_with::<T, cli::StartArgs>();
        set_start_method(start.start_method);
        if let Some(path) = &start.timeline {
            timeline::begin(path, false)?;
        }
        body(args)
    })
}
