//! Open MPI's launcher, watched.
//!
//! Open MPI 4.1 (Debian 12's, with PMIx 4.2) does not always end when its
//! job ends badly: after a rank exits with an error (the deadlock
//! watchdog's exit), or after a Ctrl-C or a SIGTERM, `mpiexec` sometimes
//! hangs for ever in its own clean-up (`PMIx_server_finalize`, waiting on
//! a thread that waits on a lock) or crashes there, leaving its session
//! directory in `TMPDIR` and, when it crashes early, ranks without their
//! launcher. Measured here: 2 to 3 runs in 8 of the deadlock recipe's
//! stopped run hang, and 5 in 8 SIGTERMs crash it.
//!
//! So with Open MPI the recipe does not run `mpiexec` itself: it runs a
//! *janitor*, this same program started again with [`JANITOR`] set, which
//! runs `mpiexec`, waits for it, and steps in when it is stuck:
//! - all the ranks it started have ended, yet it is still there after
//!   [`PATIENCE`]: it is stuck in its clean-up, and is killed; the job's
//!   exit code is then the first failing rank's;
//! - the recipe died (killed, or Ctrl-C): the janitor, still there (it
//!   ignores Ctrl-C), tells `mpiexec` with one SIGTERM, as the recipe's
//!   death would have, and watches it end;
//! - once `mpiexec` is gone, any rank it left is killed and its session
//!   directory removed, and the folder in `/dev/shm` where its ranks kept
//!   their shared-memory segments (a rank the watchdog ends leaves its own).

use super::exit_code;
use crate::{Error, Result};
use std::os::unix::process::ExitStatusExt;
use std::process::Command;
use std::time::{Duration, Instant};

/// Set for the janitor (the recipe started again to watch `mpiexec`).
pub(super) const JANITOR: &str = "COOKBOOK_MPI_JANITOR";

/// How long `mpiexec` may stay once every rank has ended: a healthy one
/// ends within a second.
const PATIENCE: Duration = Duration::from_secs(4);

/// The recipe's side: runs the janitor, same flags, and returns its code.
pub(super) fn run_janitor() -> Result<u8> {
    let mut janitor = Command::new(std::env::current_exe()?);
    janitor
        .args(std::env::args_os().skip(1))
        .env(JANITOR, std::process::id().to_string())
        .envs(crate::timeline::child_env());
    let mut janitor = janitor.spawn()?;
    Ok(exit_code(janitor.wait()?))
}

/// The janitor's side: runs `command` (the launcher) and watches it.
pub(super) fn janitor(mut command: Command) -> Result<u8> {
    let recipe = std::env::var(JANITOR)
        .ok()
        .and_then(|p| p.parse::<i32>().ok())
        .ok_or_else(|| Error::new(format!("{JANITOR} does not name the recipe's pid")))?;
    // A Ctrl-C stops the recipe only: the janitor ignores it, and so does
    // the launcher, which inherits that; the janitor then passes the
    // recipe's end on as one SIGTERM (SIGINT is one of the signals that
    // Open MPI's launcher mishandles).
    // SAFETY: ignoring a signal has no preconditions.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_IGN);
        libc::signal(libc::SIGQUIT, libc::SIG_IGN);
    }
    // Each rank's shared-memory segment goes into a folder of this run's,
    // removed at the end: a rank that ends without MPI_Finalize (the
    // watchdog's exit) leaves its segment behind, which in /dev/shm itself
    // nobody would remove.
    let segments = Folder(std::path::PathBuf::from(format!(
        "/dev/shm/cookbook-openmpi-{}",
        std::process::id()
    )));
    if std::fs::create_dir(&segments.0).is_ok() {
        command.env("OMPI_MCA_btl_vader_backing_directory", &segments.0);
    }
    let mut launcher = super::spawn_launcher(&mut command)?;
    let pid = launcher.id() as i32;
    let mut ranks: Vec<i32> = Vec::new();
    // How each rank ended, as seen before the launcher reaped it.
    let mut ended: Vec<Ended> = Vec::new();
    let mut all_ended_at: Option<Instant> = None;
    let mut told = false;
    // ANCHOR: watch
    let code = loop {
        if let Some(status) = launcher.try_wait()? {
            // A launcher that crashed in its clean-up (SIGSEGV) says nothing
            // of the job: its ranks do.
            if status.signal().is_some() && !told {
                eprintln!(
                    "note: Open MPI's mpiexec crashed ({}) while ending the job; the recipe \
                     stops what it left",
                    status
                );
                break job_code(&ended).unwrap_or(exit_code(status));
            }
            break exit_code(status);
        }
        if !told && std::os::unix::process::parent_id() as i32 != recipe {
            // The recipe is gone: what its death tells the launcher under MPICH.
            // SAFETY: kill has no memory preconditions.
            unsafe { libc::kill(pid, libc::SIGTERM) };
            told = true;
        }
        let now = children(pid);
        for &(rank, end) in &now {
            if !ranks.contains(&rank) {
                ranks.push(rank);
            }
            if let Some(end) = end
                && !ended.iter().any(|e| e.pid == rank)
            {
                ended.push(Ended { pid: rank, ..end });
            }
        }
        if !ranks.is_empty() && now.iter().all(|&(_, end)| end.is_some()) {
            let since = *all_ended_at.get_or_insert_with(Instant::now);
            if since.elapsed() > PATIENCE {
                // Stuck in its clean-up: the ranks' codes say how the job went.
                // SAFETY: as above.
                unsafe { libc::kill(pid, libc::SIGKILL) };
                let _ = launcher.wait();
                eprintln!(
                    "note: Open MPI's mpiexec did not end after its ranks had; the recipe stopped it"
                );
                // A launcher stuck after a job that went well is a failure too.
                break job_code(&ended).unwrap_or(1);
            }
        } else {
            all_ended_at = None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // A launcher that crashed early leaves its ranks running.
    for rank in ranks {
        if stat(rank).is_some_and(|(ppid, state, _)| ppid != pid && state != 'Z') {
            // SAFETY: as above; `rank` was a child of our launcher and is
            // still alive (reparented), so the pid is still that rank's.
            unsafe { libc::kill(rank, libc::SIGKILL) };
        }
    }
    remove_session(pid as u32);
    drop(segments);
    // ANCHOR_END: watch
    Ok(code)
}

/// How a rank ended: `code` is its exit code, or 128 + the signal.
#[derive(Clone, Copy)]
struct Ended {
    pid: i32,
    code: u8,
    by_signal: bool,
}

/// The job's exit code from the ends of its ranks seen: the first rank
/// that failed by itself (the watchdog's exit 3), else the first one a
/// signal ended (the launcher stops the others with SIGTERM); `None` if
/// none was seen failing (the launcher may have reaped those first).
fn job_code(ended: &[Ended]) -> Option<u8> {
    let failed = |by_signal: bool| {
        ended
            .iter()
            .find(|e| e.code != 0 && e.by_signal == by_signal)
            .map(|e| e.code)
    };
    failed(false).or_else(|| failed(true))
}

/// A folder removed, with what is in it, however the janitor ends (a
/// launcher that cannot be started included).
struct Folder(std::path::PathBuf);

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The children of `pid`, each with how it ended once it has (a zombie
/// the launcher has not reaped yet).
fn children(pid: i32) -> Vec<(i32, Option<Ended>)> {
    let mut found = Vec::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return found;
    };
    for task in tasks.flatten() {
        let Ok(list) = std::fs::read_to_string(task.path().join("children")) else {
            continue;
        };
        for child in list
            .split_whitespace()
            .filter_map(|c| c.parse::<i32>().ok())
        {
            if let Some((_, state, end)) = stat(child) {
                found.push((child, (state == 'Z').then_some(end)));
            }
        }
    }
    found
}

/// A process's parent, state and (for a zombie) how it ended, as
/// `/proc/<pid>/stat` gives them.
fn stat(pid: i32) -> Option<(i32, char, Ended)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) state ppid ...`: comm may hold spaces, so split after ')'.
    let fields: Vec<&str> = text[text.rfind(')')? + 2..].split_whitespace().collect();
    let state = fields.first()?.chars().next()?;
    let ppid = fields.get(1)?.parse().ok()?;
    // Field 52, exit_code, in waitpid's form.
    let status: i32 = fields.get(49).and_then(|c| c.parse().ok()).unwrap_or(0);
    let by_signal = libc::WIFSIGNALED(status);
    let code = if by_signal {
        128 + libc::WTERMSIG(status)
    } else {
        libc::WEXITSTATUS(status)
    };
    let code = code.clamp(0, 255) as u8;
    Some((
        ppid,
        state,
        Ended {
            pid,
            code,
            by_signal,
        },
    ))
}

/// Removes what Open MPI's launcher `pid` left in the temporary directory,
/// `ompi.<host>.<uid>/pid.<pid>`, and the folder above it if then empty.
fn remove_session(pid: u32) {
    // SAFETY: getuid has no preconditions and cannot fail.
    let uid = unsafe { libc::getuid() };
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("ompi.") && name.ends_with(&format!(".{uid}")) {
            let session = entry.path().join(format!("pid.{pid}"));
            if session.is_dir() {
                let _ = std::fs::remove_dir_all(&session);
                // Fails, as it should, while another job's directory is in it.
                let _ = std::fs::remove_dir(entry.path());
            }
        }
    }
}
