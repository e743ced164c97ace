//! Starting an MPI recipe: under a launcher, or by re-launching itself.
//!
//! An MPI program is many copies of one executable, started together by a
//! launcher (`mpiexec -n 5 program`), each with its rank. So that
//! `cargo run --bin broadcast` works too, a recipe started outside a
//! launcher runs `mpiexec -n <np> <itself> <its flags>` and waits for it;
//! started by a launcher (MPICH's or Open MPI's), it initialises MPI and
//! runs. `MPIEXEC` names another launcher, with its flags if it needs some
//! (`MPIEXEC="mpiexec -f hosts"`); `--np N` changes the count.

mod calls;
mod open_mpi;

use crate::{Error, Result};
use mpi::topology::{Communicator, SimpleCommunicator};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, ExitCode};

/// The `--np` and `--timeline` flags every MPI recipe takes.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct MpiArgs {
    /// How many ranks to start when not run under mpiexec [default: the recipe's own]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=64))]
    pub np: Option<u32>,
    /// Draw what every rank of this run did, and when, into FILE.svg:
    /// running, blocked in an MPI call (named), the lines each printed, how
    /// each ended
    #[arg(long, value_name = "FILE.svg", value_parser = crate::timeline::svg_path)]
    pub timeline: Option<std::path::PathBuf>,
}

/// How a recipe wants to be launched: its default rank count, and the
/// smallest count it can use (with the reason, for the error message).
#[derive(Debug, Clone, Copy)]
pub struct Launch {
    default_np: u32,
    min_np: u32,
    why: &'static str,
}

/// Set in the environment of every rank by MPICH's launcher (`PMI_*`), by
/// PMIx-based ones (`PMIX_RANK`) and by Open MPI's (`OMPI_COMM_WORLD_*`).
const LAUNCHER_MARKS: [&str; 5] = [
    "PMI_RANK",
    "PMI_FD",
    "PMI_PORT",
    "PMIX_RANK",
    "OMPI_COMM_WORLD_RANK",
];

/// True when a launcher started this process as one rank of a job.
pub fn under_launcher() -> bool {
    LAUNCHER_MARKS.iter().any(|v| std::env::var_os(v).is_some())
}

/// The number of ranks the launcher says it started, if it says.
fn launched_size() -> Option<i32> {
    ["PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_SIZE"]
        .iter()
        .find_map(|v| std::env::var(v).ok()?.parse().ok())
}

impl Launch {
    /// A recipe that runs `default_np` ranks by default, and any count from 1.
    pub const fn new(default_np: u32) -> Launch {
        Launch {
            default_np,
            min_np: 1,
            why: "",
        }
    }

    /// The recipe needs at least `n` ranks, because `why`.
    pub const fn at_least(self, n: u32, why: &'static str) -> Launch {
        Launch {
            min_np: n,
            why,
            ..self
        }
    }

    fn check(&self, np: u32) -> Result<()> {
        if np < self.min_np {
            Err(Error::usage(format!(
                "this recipe needs at least {} processes ({}), not {np}; try --np {}",
                self.min_np, self.why, self.min_np
            )))
        } else {
            Ok(())
        }
    }

    /// A recipe's `main`: parses the recipe's flags `T` (with `--np` added,
    /// and bad ones refused in one line, exit code 2, see [`crate::cli`]),
    /// then runs `body` with them on every rank, as [`Launch::run`] does.
    pub fn main<T: clap::Parser>(
        self,
        body: impl FnOnce(&T, &SimpleCommunicator) -> Result<()>,
    ) -> ExitCode {
        let (args, mpi) = crate::cli::parse_with::<T, MpiArgs>();
        self.run_with(&mpi, |world| body(&args, world))
    }

    /// [`Launch::run`] with every shared flag: `--np`, and `--timeline`,
    /// which the process that starts the launcher records and draws.
    pub fn run_with(
        self,
        flags: &MpiArgs,
        body: impl FnOnce(&SimpleCommunicator) -> Result<()>,
    ) -> ExitCode {
        match &flags.timeline {
            // The launcher's own process records and draws; under Open MPI
            // that is the recipe, not its janitor (mpi/open_mpi.rs).
            Some(path) if !under_launcher() && std::env::var_os(open_mpi::JANITOR).is_none() => {
                if let Err(e) = crate::timeline::begin(path, true) {
                    eprintln!("error: {e}");
                    return ExitCode::from(e.exit_code());
                }
                let code = self.run(flags.np, body);
                if let Err(e) = crate::timeline::end(0) {
                    eprintln!("error: {e}");
                    return ExitCode::from(1);
                }
                code
            }
            _ => self.run(flags.np, body),
        }
    }

    // ANCHOR: run
    /// Runs `body` on every rank, launching the ranks first if needed.
    /// `np` is the `--np` flag's value, if given.
    pub fn run(
        self,
        np: Option<u32>,
        body: impl FnOnce(&SimpleCommunicator) -> Result<()>,
    ) -> ExitCode {
        // As in `crate::main`: printing into a closed pipe ends the process quietly.
        crate::cli::default_sigpipe();
        let outcome = if under_launcher() {
            // Recorded after `run_rank`, where MPI is finalised.
            self.run_rank(np, body)
                .inspect(|&code| crate::timeline::exited(code.into(), ""))
        } else if std::env::var_os(open_mpi::JANITOR).is_some() {
            open_mpi::janitor(launcher_command(np.unwrap_or(self.default_np)))
        } else if std::env::var_os(RELAUNCHED).is_some() {
            // Started by the launcher we ran, yet not as a rank we can see:
            // relaunching again would go on for ever.
            Err(Error::usage(format!(
                "this program was started by the launcher '{}' but finds none of the variables \
                 an MPI launcher sets ({}): use {}'s mpiexec, or set MPIEXEC to one",
                std::env::var("MPIEXEC").unwrap_or_else(|_| default_launcher().into()),
                LAUNCHER_MARKS.join(", "),
                implementation()
            )))
        } else {
            let np = np.unwrap_or(self.default_np);
            self.check(np).and_then(|()| relaunch(np))
        };
        match outcome {
            Ok(code) => ExitCode::from(code),
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(e.exit_code())
            }
        }
    }
    // ANCHOR_END: run

    fn run_rank(
        self,
        np: Option<u32>,
        body: impl FnOnce(&SimpleCommunicator) -> Result<()>,
    ) -> Result<u8> {
        // ANCHOR: initialize
        let universe = mpi::initialize().ok_or_else(|| Error::new("MPI was initialised twice"))?;
        let world = universe.world();
        let (rank, size) = (world.rank(), world.size());
        if let Some(launched) = launched_size()
            && launched != size
        {
            // Every rank sees itself as rank 0 of 1: the launcher and the
            // library come from different MPI implementations.
            return Err(Error::new(format!(
                "the launcher started {launched} processes but MPI sees {size}: is mpiexec from \
                 the same MPI as the library this program was built with ({})?",
                implementation()
            )));
        }
        // ANCHOR_END: initialize
        let checked = match np {
            Some(np) if np as i32 != size => Err(Error::usage(format!(
                "--np {np} was given, but the launcher started {size} processes"
            ))),
            _ => self.check(size as u32),
        };
        if let Err(e) = checked {
            // Every rank finds the same mistake; one of them says so.
            if rank == 0 {
                eprintln!("error: {e}");
            }
            return Ok(e.exit_code());
        }
        calls::keep();
        crate::timeline::join_as_rank(rank);
        if std::env::var_os(SHOW_HOST).is_some() {
            // Across hosts (`cargo xtask hosts run`): each rank says where it runs.
            let host = mpi::environment::processor_name().unwrap_or_else(|_| "?".into());
            println!("rank {rank} of {size} runs on {host}");
        }
        let code = match body(&world) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("error: rank {rank}: {e}");
                e.exit_code()
            }
        };
        // MPI_Finalize, when `universe` is dropped, waits for the other
        // ranks: the timeline shows it (calls.rs).
        Ok(code)
    }
}

/// When set, every rank first prints the host it runs on (the name MPI
/// gives, `MPI_Get_processor_name`): `cargo xtask hosts run` sets it.
pub const SHOW_HOST: &str = "COOKBOOK_MPI_SHOW_HOST";

/// Set by [`relaunch`] for the processes its launcher starts.
const RELAUNCHED: &str = "COOKBOOK_MPI_RELAUNCHED";

/// The MPI implementation this program was built with, by name: "Open
/// MPI" or "MPICH" (asking the library, which MPI allows before `MPI_Init`).
pub fn implementation() -> &'static str {
    let version = mpi::environment::library_version().unwrap_or_default();
    if version.contains("Open MPI") {
        "Open MPI"
    } else {
        "MPICH"
    }
}

/// The launcher that matches the library: a launcher from another MPI
/// starts ranks that each see a world of one. Debian installs MPICH's as
/// `mpiexec` (our default) and Open MPI's as `mpiexec.openmpi`.
fn default_launcher() -> &'static str {
    if implementation() == "Open MPI" {
        "mpiexec.openmpi"
    } else {
        "mpiexec"
    }
}

// ANCHOR: relaunch
/// Runs this program again under the launcher, `np` ranks, same flags, and
/// returns the launcher's exit code.
fn relaunch(np: u32) -> Result<u8> {
    if implementation() == "Open MPI" {
        // Open MPI's launcher needs a watcher of its own (see open_mpi.rs).
        return open_mpi::run_janitor();
    }
    let mut command = launcher_command(np);
    // SAFETY: prctl is async-signal-safe.
    unsafe {
        command.pre_exec(|| {
            // If this process is killed, the launcher goes too, and takes its ranks.
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            Ok(())
        });
    }
    let mut launcher = spawn_launcher(&mut command)?;
    let status = launcher.wait()?;
    Ok(exit_code(status))
}

/// The launcher's command line: `mpiexec -n <np> <this program> <its flags>`.
fn launcher_command(np: u32) -> Command {
    // `MPIEXEC` may carry the launcher's own flags: `MPIEXEC="mpiexec -f hosts"`.
    let launcher = std::env::var("MPIEXEC").unwrap_or_else(|_| default_launcher().into());
    let mut words = launcher.split_whitespace();
    let program = words.next().unwrap_or(default_launcher());
    let mut command = Command::new(program);
    command
        .args(words)
        .arg("-n")
        .arg(np.to_string())
        .arg(std::env::current_exe().unwrap_or_default())
        .args(std::env::args_os().skip(1))
        .env(RELAUNCHED, "1")
        .env_remove(open_mpi::JANITOR)
        // Open MPI refuses root and more ranks than cores unless told; MPICH
        // ignores these.
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env("OMPI_MCA_rmaps_base_oversubscribe", "1")
        .env("PRTE_MCA_rmaps_default_mapping_policy", ":oversubscribe")
        .envs(crate::timeline::child_env());
    command
}
// ANCHOR_END: relaunch

fn spawn_launcher(command: &mut Command) -> Result<std::process::Child> {
    command.spawn().map_err(|e| {
        Error::usage(format!(
            "cannot run the MPI launcher '{}': {e} (run `cargo xtask setup`, or set MPIEXEC)",
            command.get_program().to_string_lossy()
        ))
    })
}

/// A process's exit status as an exit code: 128 + the signal that ended it.
fn exit_code(status: std::process::ExitStatus) -> u8 {
    match (status.code(), status.signal()) {
        (Some(code), _) => code.clamp(0, 255) as u8,
        (None, Some(sig)) => (128 + sig).clamp(0, 255) as u8,
        _ => 1,
    }
}

// ANCHOR: watchdog
/// Ends a rank that stays too long in a blocking call, saying which call and
/// why, instead of letting a deadlocked program hang forever.
///
/// Call [`Watchdog::enter`] before each blocking call and
/// [`Watchdog::finish`] when the communication is over. If `finish` has not
/// come after `limit`, the watchdog prints one line on stderr and ends the
/// process with exit code 3; the launcher then stops the other ranks.
pub struct Watchdog {
    call: std::sync::Arc<std::sync::Mutex<String>>,
    done: std::sync::mpsc::Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

impl Watchdog {
    /// Starts watching rank `rank`: if it is still in a watched call after
    /// `limit`, the rank says which call and `why` it hangs, and ends.
    pub fn start(rank: i32, limit: std::time::Duration, why: String) -> Watchdog {
        let call = std::sync::Arc::new(std::sync::Mutex::new(String::from("no call yet")));
        let (done, finished) = std::sync::mpsc::channel::<()>();
        let watched = call.clone();
        let thread = std::thread::spawn(move || {
            if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = finished.recv_timeout(limit) {
                let call = watched.lock().map(|c| c.clone()).unwrap_or_default();
                // One write for the whole line, so lines of two ranks never mix.
                let line = format!(
                    "rank {rank}: stuck in {call} for {:.1} s: deadlock: {why}\n",
                    limit.as_secs_f64()
                );
                let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
                crate::timeline::exited(3, "watchdog");
                // Give the partner's watchdog, which started at about the same
                // time, the moment it needs to report too: the first rank to
                // exit makes the launcher kill all the others.
                std::thread::sleep(std::time::Duration::from_millis(500));
                // The main thread is blocked inside MPI and cannot unwind: end the process.
                // SAFETY: `_exit` is always safe to call.
                unsafe { libc::_exit(3) };
            }
        });
        Watchdog { call, done, thread }
    }

    /// Records the blocking call the rank is about to make.
    pub fn enter(&self, call: impl Into<String>) {
        let call = call.into();
        if let Ok(mut current) = self.call.lock() {
            *current = call;
        }
    }

    /// The communication is over: stop watching.
    pub fn finish(self) {
        let _ = self.done.send(());
        let _ = self.thread.join();
    }
}
// ANCHOR_END: watchdog

/// Formats integers as numpy prints an array, so the outputs read like the
/// book's: `[ 0  6 12]` (each number right-aligned to the widest).
pub fn numpy<T: std::fmt::Display>(values: &[T]) -> String {
    let texts: Vec<String> = values.iter().map(ToString::to_string).collect();
    let width = texts.iter().map(String::len).max().unwrap_or(0);
    let cells: Vec<String> = texts.iter().map(|t| format!("{t:>width$}")).collect();
    format!("[{}]", cells.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numpy_aligns_like_numpy() {
        assert_eq!(numpy(&[0, 1, 2]), "[0 1 2]");
        assert_eq!(numpy(&[0, 6, 12]), "[ 0  6 12]");
        assert_eq!(numpy(&[-1, 10]), "[-1 10]");
        assert_eq!(numpy::<i32>(&[]), "[]");
    }

    #[test]
    fn too_few_ranks_is_a_usage_error_that_says_why() {
        let launch = Launch::new(9).at_least(9, "it needs ranks 4 and 8");
        let err = launch.check(3).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert_eq!(
            err.to_string(),
            "this recipe needs at least 9 processes (it needs ranks 4 and 8), not 3; try --np 9"
        );
        assert!(launch.check(9).is_ok());
    }
}
