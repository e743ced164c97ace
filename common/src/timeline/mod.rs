//! A picture of one run: what each process did, and when.
//!
//! A recipe run with `--timeline FILE.svg` (every recipe takes it, see
//! [`crate::cli`]) draws one lane per process (per rank, for MPI) from its
//! start to its end: when it was running, blocked (in `join`, `get`,
//! `recv`, a lock, a barrier, an MPI call) or sleeping, each line it
//! printed (hover to read it), arrows for the messages whose two ends could
//! be paired, signals sent to it, and how it ended.
//!
//! How the events get there, cheaply:
//! - The first process of the run (the *merger*) makes one block of shared
//!   memory (a memfd: nothing on disk, gone with the last process holding
//!   it) and names it in `COOKBOOK_TIMELINE`, which every process of the
//!   run inherits (MPI ranks through the launcher). Each process maps it
//!   and appends fixed-size records with one atomic add and a few stores:
//!   no system call, and a process killed the next instant has already
//!   left its records behind. Timestamps are `CLOCK_MONOTONIC`, one clock
//!   for every process on the machine.
//! - What the processes print is caught on its way out: the merger points
//!   standard output at a datagram socket whose reader (a thread of the
//!   merger) is told by the kernel which process wrote each datagram, notes
//!   the line, and passes the bytes on to the real standard output in the
//!   order they were written.
//! - At the end the merger reads the records, pairs them ([`Run`]) and
//!   draws the picture ([`render`]).
//!
//! Off (no `--timeline`), every recording point is one check of a
//! process-wide `OnceLock` that holds `None`.

mod model;
mod record;
mod relay;
mod svg;

pub use model::{Ending, Lane, Message, Run, Span, State};
pub use svg::render;

#[cfg(feature = "mpi")]
pub(crate) use record::{Blocked, recording};
pub(crate) use record::{
    PIPE, QUEUE, blocked, exited, reaped, received, sent, signalled, sleeping, spawned, started,
};
pub(crate) use relay::RELAY_THREAD;

use crate::{Error, Result};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The environment variable that tells a process of the run where to record.
pub(crate) const VAR: &str = "COOKBOOK_TIMELINE";

/// The merger's state between [`begin`] and [`end`].
struct Session {
    path: PathBuf,
    area: record::Area,
    relay: relay::Relay,
    /// For MPI: the launcher is not a lane of its own; its ranks are.
    launcher: bool,
}

static SESSION: Mutex<Option<Session>> = Mutex::new(None);

/// The `--timeline` value parser: a path ending in `.svg` whose folder exists.
pub fn svg_path(text: &str) -> std::result::Result<PathBuf, String> {
    let path = PathBuf::from(text);
    if path.extension().and_then(|e| e.to_str()) != Some("svg") {
        return Err("expected a file name ending in .svg".into());
    }
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !folder.is_dir() {
        return Err(format!("the folder {} does not exist", folder.display()));
    }
    Ok(path)
}

/// Starts recording this run into `path` (drawn by [`end`]). `launcher`:
/// this process only waits for an MPI launcher, and is not drawn.
pub(crate) fn begin(path: &Path, launcher: bool) -> Result<()> {
    let area = record::Area::create()?;
    let relay = relay::Relay::start()?;
    record::install(&area)?;
    if !launcher {
        record::started("MainProcess", -1);
    }
    *lock() = Some(Session {
        path: path.to_path_buf(),
        area,
        relay,
        launcher,
    });
    Ok(())
}

/// What a process of the run needs in its environment, when this is a
/// recorded run: for children started with `Command` (spawn, the fork
/// server, the MPI launcher).
pub(crate) fn child_env() -> Option<(&'static str, String)> {
    let session = lock();
    let s = session.as_ref()?;
    Some((VAR, format!("{}:{}", s.area.env_value(), s.relay.address())))
}

#[cfg(feature = "mpi")]
/// An MPI rank of a recorded run: record, and send what it prints to the
/// merger. Returns at once when the run is not recorded.
pub(crate) fn join_as_rank(rank: i32) {
    if let Some((_, socket)) = std::env::var(VAR).ok().as_deref().and_then(split_env) {
        relay::point_stdout_at(socket);
    }
    record::started(&format!("process {rank}"), rank);
}

/// `COOKBOOK_TIMELINE`'s value: `<area>:<socket>`.
fn split_env(value: &str) -> Option<(&str, &str)> {
    value.rsplit_once(':')
}

/// Starts recording this process and the children it starts from now on,
/// as `--timeline` does for a recipe: for a program that does not go
/// through [`crate::run`] (the benchmarks measure what recording costs).
/// Standard output is caught until [`finish`].
pub fn start(path: &Path) -> Result<()> {
    begin(path, false)
}

/// Stops the recording [`start`] began and draws it; recording is off
/// again afterwards.
pub fn finish() -> Result<()> {
    end(0)
}

/// Ends the run's recording, if one is on: stops catching output, reads
/// the records and writes the picture. `code` is this process's exit code.
pub(crate) fn end(code: i32) -> Result<()> {
    let Some(session) = lock().take() else {
        return Ok(());
    };
    if !session.launcher {
        record::exited(code, "");
    }
    let lines = session.relay.stop();
    record::uninstall();
    let records = session.area.read();
    let run = Run::build(&records, &lines, session.launcher);
    std::fs::write(&session.path, render(&run)).map_err(|e| {
        Error::new(format!(
            "cannot write the timeline {}: {e}",
            session.path.display()
        ))
    })
}

fn lock() -> std::sync::MutexGuard<'static, Option<Session>> {
    SESSION.lock().unwrap_or_else(|p| p.into_inner())
}
