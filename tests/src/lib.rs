//! What the cookbook's tests (and `cargo xtask`) share:
//!
//! - [`manifest`]: `recipes.toml` and `exercises.toml` (the
//!   `cookbook-manifest` crate, re-exported);
//! - [`METHODS`]: the start methods every multiprocessing test runs under;
//! - [`Run`]: run a recipe as a subprocess with a timeout, optionally
//!   signal it when it prints a given line, and check that nothing it
//!   started is left behind (see [`Outcome::leftovers`]);
//! - [`normalise`]: compare outputs the way a recipe's page says.

pub use manifest;
pub use manifest::workspace_root;

use nix::sys::signal::{Signal, kill, killpg};
use nix::sys::wait::{WaitPidFlag, waitpid};
use nix::unistd::Pid;
use regex::Regex;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Once, OnceLock, mpsc};

/// The start methods every multiprocessing recipe and test runs under, by
/// Python's names.
pub const METHODS: [&str; 3] = ["spawn", "fork", "forkserver"];
use std::time::{Duration, Instant};

/// For the probe programs (`tests/src/bin/*-probe*.rs`), whose command
/// line is `<case> <start method> [more]`: sets the start method (Python's
/// names; `spawn` when absent or unknown) and returns the case.
pub fn probe_case() -> String {
    let mut args = std::env::args().skip(1);
    let case = args.next().unwrap_or_default();
    let method = args
        .next()
        .and_then(|m| m.parse::<common::StartMethod>().ok())
        .unwrap_or_default();
    common::set_start_method(method);
    case
}

/// Says on the terminal that a test is skipped and why, past the test
/// harness's capture (which hides `println!` of a passing test): a skipped
/// test is never silent.
pub fn skip(test: &str, why: &str) {
    say(&format!("SKIPPED {test}: {why}"));
}

/// Writes a line straight to the terminal, past the test harness's capture
/// (`eprintln!` of a passing test is hidden).
pub fn say(text: &str) {
    use std::io::Write;
    let _ = std::io::stderr().write_all(format!("{text}\n").as_bytes());
}

/// The directory the recipes' executables are built into: the one this test
/// executable sits in (`target/<profile>/deps/..`).
fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let dir = exe.parent().expect("exe dir");
    if dir.ends_with("deps") {
        dir.parent().expect("profile dir").to_path_buf()
    } else {
        dir.to_path_buf()
    }
}

/// The path of a recipe's executable. Tests do not build: `cargo test`
/// builds only test targets, so the recipes must be built first (`cargo
/// xtask test` does it), and a missing one says so.
pub fn bin(name: &str) -> PathBuf {
    let path = bin_dir().join(name);
    assert!(
        path.exists(),
        "no executable {}: run `cargo build --workspace --bins` first",
        path.display()
    );
    path
}

/// A mixed-language MPI job of `recipe`: its mpi4py original as some
/// ranks, Rust programs as the others (`groups`, from `recipes.toml`), or
/// `None` when there is no Python with mpi4py (`cargo xtask setup` makes
/// one): the caller then says on the terminal that it skipped.
pub fn mixed_job(recipe: &str, groups: &[manifest::mixed::Ranks]) -> Option<Run> {
    let python = manifest::python::mpi4py_python()?;
    for g in groups {
        if g.lang == manifest::mixed::Lang::Rust {
            bin(g.program.as_deref().unwrap_or(recipe));
        }
    }
    let (launcher, flags) = manifest::mixed::launcher();
    let job = manifest::mixed::launch_args(recipe, groups, &python, &bin_dir());
    Some(
        Run::program(launcher, &format!("{recipe} (mixed)"))
            .args(flags)
            .args(job)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            // Unbuffered, Python writes a line and its newline apart, and
            // lines from several ranks can be torn: keep its buffering.
            .env("PYTHONUNBUFFERED", ""),
    )
}

/// Makes this test process adopt the orphans of the recipes it runs, so a
/// process a recipe left behind, running or as a zombie, is found and reaped
/// here instead of vanishing into init.
fn become_subreaper() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: prctl with these arguments only sets a flag on this process.
        let rc = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
        assert_eq!(rc, 0, "PR_SET_CHILD_SUBREAPER failed");
    });
}

/// One process seen in `/proc`.
#[derive(Debug, Clone)]
pub struct Seen {
    pub pid: i32,
    pub state: char,
    pub command: String,
}

/// Every process whose process group is `group`, apart from its leader.
/// Recipes run in a group of their own, and their children stay in it.
fn members_of_group(group: i32) -> Vec<Seen> {
    let mut found = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return found;
    };
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<i32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // `pid (comm) state ppid pgrp ...`: comm may hold spaces, so split after ')'.
        let Some(close) = stat.rfind(')') else {
            continue;
        };
        let command = stat[stat.find('(').map_or(0, |i| i + 1)..close].to_string();
        let fields: Vec<&str> = stat[close + 2..].split_whitespace().collect();
        let (Some(state), Some(pgrp)) = (fields.first(), fields.get(2)) else {
            continue;
        };
        if pgrp.parse::<i32>() == Ok(group) && pid != group {
            found.push(Seen {
                pid,
                state: state.chars().next().unwrap_or('?'),
                command,
            });
        }
    }
    found
}

/// Who gets the signal when a [`Run::signal_on`] line appears.
#[derive(Clone, Copy, Debug)]
pub enum Target {
    /// The recipe's whole process group, as a terminal's Ctrl-C does.
    Group,
    /// The recipe's own (parent) process only.
    Parent,
}

/// A recipe run, set up step by step.
#[derive(Clone, Debug)]
pub struct Run {
    program: PathBuf,
    label: String,
    args: Vec<String>,
    env: Vec<(String, String)>,
    timeout: Duration,
    trigger: Option<(Trigger, Signal, Target)>,
    grace: Duration,
    /// Under an MPI launcher: every output line carries the rank that
    /// printed it (see [`Run::ranks`]).
    labelled: bool,
    /// Where each rank writes the MPI calls it made (see [`Run::trace_mpi`]).
    trace: Option<PathBuf>,
}

/// When a run's signal is sent.
#[derive(Clone, Debug)]
enum Trigger {
    Line(Regex),
    After(Duration),
}

/// What a run did.
#[derive(Debug)]
pub struct Outcome {
    pub label: String,
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    /// Processes of the recipe still there after it ended: running ones, and
    /// zombies nobody reaped. They have been killed and reaped since.
    pub leftovers: Vec<Seen>,
    /// Files left in the run's own temporary directory (its `TMPDIR`).
    pub tmp_leftovers: Vec<String>,
    pub elapsed: Duration,
    /// What the program's own process (all its threads, not its children)
    /// wrote: a count of messages sent that no printed line can fake, and
    /// that does not depend on the machine's speed.
    pub writes: Writes,
    /// The pid of the program's own (parent) process, as the harness
    /// started it: a line claiming to come from a child must not carry it.
    pub pid: i32,
    /// Under an MPI launcher, the rank that printed each line of `stdout`,
    /// in order, as the launcher saw it (not as the program says); empty
    /// otherwise.
    pub said_by: Vec<Option<usize>>,
    /// With [`Run::trace_mpi`], the MPI calls each rank made, in order
    /// (`"Send"`, `"Reduce"`, ...), indexed by rank; empty otherwise.
    pub mpi_calls: Vec<Vec<String>>,
}

impl Run {
    /// A recipe of the workspace, by its binary's name.
    /// At the tests' pace (a hundredth of the book's), or at the pace
    /// `recipes.toml` sets for it (`test_time_scale`: a recipe whose
    /// story is a race against its own sleep).
    pub fn recipe(name: &str) -> Run {
        let run = Run::program(bin(name), name);
        let scale = manifest::load()
            .recipe
            .iter()
            .find(|r| r.name == name)
            .and_then(|r| r.test_time_scale);
        match scale {
            Some(scale) => run.time_scale(scale),
            None => run,
        }
    }

    /// The `process-probe` helper (a test program of this crate) running
    /// its case `case` under the start method `method`.
    pub fn probe(case: &str, method: &str) -> Run {
        Run::program(bin("process-probe"), "process-probe")
            .args([case, method])
            .timeout(Duration::from_secs(30))
    }

    /// Any executable (a test's own helper, say).
    pub fn program(path: impl Into<PathBuf>, label: &str) -> Run {
        Run {
            program: path.into(),
            label: label.to_string(),
            args: Vec::new(),
            // Tests run the book's code at a hundredth of its pacing by default.
            env: vec![("COOKBOOK_TIME_SCALE".into(), "0.01".into())],
            timeout: Duration::from_secs(30),
            trigger: None,
            grace: Duration::ZERO,
            labelled: false,
            trace: None,
        }
    }

    pub fn args<I, S>(mut self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_string()));
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Run {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.into(), value.into()));
        self
    }

    /// Runs an MPI program under the launcher with `np` ranks, started from
    /// here (`mpiexec -n <np> <program> <args>`, or `MPIEXEC`'s launcher),
    /// so the rank count is the harness's, not the program's default: a
    /// check run at two counts defeats answers written for one.
    pub fn ranks(mut self, np: u32) -> Run {
        // By default the launcher of the MPI the recipes were built with.
        let mpi = manifest::mpi::Mpi::from_env();
        let mpiexec = mpi.mpiexec();
        let launcher = std::env::var("MPIEXEC").unwrap_or_else(|_| mpiexec.into());
        let mut words = launcher.split_whitespace().map(str::to_string);
        let program = words.next().unwrap_or_else(|| mpiexec.into());
        let mut args: Vec<String> = words.collect();
        // The launcher labels each line with the rank that printed it
        // (Hydra's `-l`, Open MPI's `--tag-output`): a check can then tell
        // who said what without believing the program.
        let open_mpi = mpi == manifest::mpi::Mpi::OpenMpi;
        args.push(if open_mpi { "--tag-output" } else { "-l" }.to_string());
        self.labelled = true;
        args.extend(["-n".to_string(), np.to_string()]);
        args.push(self.program.to_string_lossy().into_owned());
        args.append(&mut self.args);
        self.program = program.into();
        self.args = args;
        self.label = format!("{} (np {np})", self.label);
        self
    }

    /// Records the MPI calls each rank makes ([`Outcome::mpi_calls`]):
    /// `tests/mpi-trace/trace.c`, built once with the MPI's `mpicc`,
    /// is preloaded into every rank. Call after [`Run::ranks`].
    pub fn trace_mpi(mut self) -> Run {
        static RUNS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let library = mpi_trace_library();
        let n = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = library
            .parent()
            .expect("a directory")
            .join(format!("run-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a directory for the MPI trace");
        // The launcher's own options, so that only the ranks get them.
        let vars = [
            ("LD_PRELOAD", library.to_string_lossy().into_owned()),
            ("COOKBOOK_MPI_TRACE", dir.to_string_lossy().into_owned()),
        ];
        let open_mpi = manifest::mpi::Mpi::from_env() == manifest::mpi::Mpi::OpenMpi;
        let preload: Vec<String> = vars
            .into_iter()
            .flat_map(|(k, v)| {
                if open_mpi {
                    vec!["-x".to_string(), format!("{k}={v}")]
                } else {
                    vec!["-genv".to_string(), k.to_string(), v]
                }
            })
            .collect();
        let at = self
            .args
            .iter()
            .position(|a| a == "-n")
            .expect("trace_mpi after ranks");
        self.args.splice(at..at, preload);
        self.trace = Some(dir);
        self
    }

    /// Runs a multiprocessing recipe with `--start-method <method>`.
    pub fn start_method(self, method: &str) -> Run {
        self.args(["--start-method", method])
    }

    /// Sets `COOKBOOK_TIME_SCALE` (the tests' default is 0.01).
    pub fn time_scale(self, scale: f64) -> Run {
        self.env("COOKBOOK_TIME_SCALE", &scale.to_string())
    }

    /// The run fails the test if it takes longer than this (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Run {
        self.timeout = timeout;
        self
    }

    /// Sends `signal` to `target` when a line of stdout matches `pattern`.
    /// Processes may then take up to `grace` to go before they count as
    /// left behind.
    pub fn signal_on(mut self, pattern: &str, signal: Signal, target: Target) -> Run {
        let pattern = Regex::new(pattern).expect("pattern");
        self.trigger = Some((Trigger::Line(pattern), signal, target));
        self.grace = Duration::from_secs(3);
        self
    }

    /// Sends `signal` to `target` once `delay` has passed since the start
    /// (for programs that print nothing while they run).
    pub fn signal_after(mut self, delay: Duration, signal: Signal, target: Target) -> Run {
        self.trigger = Some((Trigger::After(delay), signal, target));
        self.grace = Duration::from_secs(3);
        self
    }

    /// How long the processes may take to go after the signal, if not the
    /// 3 s that [`Run::signal_on`] and [`Run::signal_after`] allow.
    pub fn grace(mut self, grace: Duration) -> Run {
        self.grace = grace;
        self
    }

    /// What this run costs on this machine, now, without the book's sleeps
    /// (the slower of two runs at `COOKBOOK_TIME_SCALE=0`). Timing asserts
    /// measure against it, not against fixed numbers: a loaded machine slows
    /// the reference as much as the run, so it cannot fail them.
    pub fn overhead(&self) -> Duration {
        (0..2)
            .map(|_| self.clone().time_scale(0.0).run_ok().elapsed)
            .max()
            .unwrap_or_default()
    }

    /// Runs, and panics unless the run exited 0 and left nothing behind.
    pub fn run_ok(&self) -> Outcome {
        let out = self.run();
        out.assert_success();
        out
    }

    /// Runs to the end, or panics (killing everything) after the timeout.
    pub fn run(&self) -> Outcome {
        become_subreaper();
        let start = Instant::now();
        let tmp = private_tmp_dir();
        let mut command = Command::new(&self.program);
        command
            .args(&self.args)
            .env("TMPDIR", &tmp)
            .envs(self.env.iter().cloned())
            .env_remove("RUST_BACKTRACE")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        // A harness started in the background (`cargo xtask test &`, nohup)
        // inherits SIGINT and SIGQUIT ignored, and would pass that on: a
        // recipe must meet Ctrl-C as a terminal user's program does.
        // SAFETY: between fork and exec this only makes async-signal-safe calls.
        unsafe {
            command.pre_exec(|| {
                for sig in [libc::SIGINT, libc::SIGQUIT, libc::SIGTERM] {
                    libc::signal(sig, libc::SIG_DFL);
                }
                let mut none: libc::sigset_t = std::mem::zeroed();
                libc::sigemptyset(&mut none);
                libc::sigprocmask(libc::SIG_SETMASK, &none, std::ptr::null_mut());
                Ok(())
            });
        }
        #[expect(
            clippy::zombie_processes,
            reason = "reaped by reap_with_writes, which reads what it wrote first"
        )]
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.program.display()));
        let group = child.id() as i32;

        let (lines_tx, lines) = mpsc::channel::<String>();
        let out = child.stdout.take().expect("stdout");
        let out_reader = std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if lines_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut err = child.stderr.take().expect("stderr");
        let err_reader = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = err.read_to_string(&mut text);
            text
        });

        let deadline = start + self.timeout;
        let mut stdout = String::new();
        let mut trigger = self.trigger.clone();
        let fire = |signal: Signal, target: Target| {
            let _ = match target {
                Target::Group => killpg(Pid::from_raw(group), signal),
                Target::Parent => kill(Pid::from_raw(group), signal),
            };
        };
        let (status, writes) = loop {
            while let Ok(line) = lines.try_recv() {
                if let Some((Trigger::Line(pattern), signal, target)) = &trigger
                    && pattern.is_match(&line)
                {
                    fire(*signal, *target);
                    trigger = None;
                }
                stdout.push_str(&line);
                stdout.push('\n');
            }
            if let Some((Trigger::After(delay), signal, target)) = &trigger
                && start.elapsed() >= *delay
            {
                fire(*signal, *target);
                trigger = None;
            }
            if let Some(ended) = reap_with_writes(group) {
                break ended;
            }
            if Instant::now() > deadline {
                let _ = killpg(Pid::from_raw(group), Signal::SIGKILL);
                let _ = child.wait();
                let leftovers = settle(group, Duration::from_secs(1));
                let _ = std::fs::remove_dir_all(&tmp);
                panic!(
                    "{} {:?} timed out after {:?} (killed; leftovers {leftovers:?})\nstdout so far:\n{stdout}",
                    self.label, self.args, self.timeout
                );
            }
            std::thread::sleep(Duration::from_millis(2));
        };
        let leftovers = settle(group, self.grace);
        // Everything that could hold the output pipes is gone now: drain them.
        let _ = out_reader.join();
        for line in lines.try_iter() {
            stdout.push_str(&line);
            stdout.push('\n');
        }
        let stderr = err_reader.join().unwrap_or_default();
        let tmp_leftovers = std::fs::read_dir(&tmp)
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        let _ = std::fs::remove_dir_all(&tmp);
        let (stdout, said_by) = if self.labelled {
            unlabel(&stdout)
        } else {
            (stdout, Vec::new())
        };
        let stderr = if self.labelled {
            unlabel(&stderr).0
        } else {
            stderr
        };
        let mpi_calls = self.trace.as_deref().map(read_trace).unwrap_or_default();
        Outcome {
            label: format!("{} {}", self.label, self.args.join(" ")),
            status,
            stdout,
            stderr,
            leftovers,
            tmp_leftovers,
            elapsed: start.elapsed(),
            writes,
            pid: group,
            said_by,
            mpi_calls,
        }
    }
}

/// Splits the launcher's rank labels (`[R] ` from Hydra, `[J,R]<stdout>:`
/// from Open MPI) off each line: the text, and who printed each line.
fn unlabel(text: &str) -> (String, Vec<Option<usize>>) {
    let hydra = Regex::new(r"^\[(\d+)\] ?").expect("pattern");
    // Open MPI puts the text right after the colon: a space there is the
    // program's own (gather prints " process 0 receiving ...").
    let open_mpi = Regex::new(r"^\[\d+,(\d+)\]<std\w+>:").expect("pattern");
    let mut out = String::new();
    let mut said_by = Vec::new();
    for line in text.lines() {
        let found = hydra.captures(line).or_else(|| open_mpi.captures(line));
        match found {
            Some(c) => {
                out.push_str(&line[c.get(0).expect("match").end()..]);
                said_by.push(c[1].parse().ok());
            }
            None => {
                out.push_str(line);
                said_by.push(None);
            }
        }
        out.push('\n');
    }
    (out, said_by)
}

/// The calls each rank wrote to `dir` (`rank-<R>`, one call per line), by
/// rank; the directory is removed.
fn read_trace(dir: &Path) -> Vec<Vec<String>> {
    let mut by_rank: Vec<Vec<String>> = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rank) = name
            .strip_prefix("rank-")
            .and_then(|r| r.parse::<usize>().ok())
        else {
            continue;
        };
        if by_rank.len() <= rank {
            by_rank.resize(rank + 1, Vec::new());
        }
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        by_rank[rank] = text.lines().map(str::to_string).collect();
    }
    let _ = std::fs::remove_dir_all(dir);
    by_rank
}

/// `tests/mpi-trace/trace.c` as a shared library, built once per target
/// directory with the `mpicc` of the MPI under test: the build goes to a
/// temporary name first, so test processes building it at once never see
/// half a file.
fn mpi_trace_library() -> PathBuf {
    static LIBRARY: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    LIBRARY
        .get_or_init(|| {
            let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("mpi-trace/trace.c");
            let dir = manifest::target_dir().join("mpi-trace");
            std::fs::create_dir_all(&dir).expect("target/mpi-trace");
            // The compiler wrapper of the MPI the programs were built with.
            let mpicc = manifest::mpi::Mpi::from_env().mpicc();
            let library = dir.join(format!(
                "libtrace-{}.so",
                Path::new(&mpicc)
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
            ));
            let fresh = |lib: &Path| {
                let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
                matches!((modified(lib), modified(&source)), (Some(l), Some(s)) if l >= s)
            };
            if !fresh(&library) {
                let partial = dir.join(format!("partial-{}.so", std::process::id()));
                let status = Command::new(mpicc)
                    .args(["-shared", "-fPIC", "-O1", "-Wall", "-Werror", "-o"])
                    .arg(&partial)
                    .arg(&source)
                    .status()
                    .unwrap_or_else(|e| panic!("cannot run {mpicc} to build the MPI trace: {e}"));
                assert!(
                    status.success(),
                    "{mpicc} could not build {}",
                    source.display()
                );
                std::fs::rename(&partial, &library).expect("move the MPI trace into place");
            }
            library
        })
        .clone()
}

/// A fresh, empty directory for one run's temporary files.
fn private_tmp_dir() -> PathBuf {
    static COUNT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("cookbook-run-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a temporary directory");
    dir
}

/// After a recipe's main process has ended: gives the rest of its process
/// group up to `grace` to go (reaping the zombies this process adopted), then
/// reports and kills whatever is still there. A zombie present at the end is
/// a leftover too: nobody reaped it.
fn settle(group: i32, grace: Duration) -> Vec<Seen> {
    let deadline = Instant::now() + grace;
    loop {
        let members = members_of_group(group);
        let done = members.is_empty() || Instant::now() >= deadline;
        if done {
            for m in &members {
                let _ = kill(Pid::from_raw(m.pid), Signal::SIGKILL);
            }
            reap_adopted(&members, Duration::from_secs(2));
            return members;
        }
        // Reap the ones that died in the meantime (they were adopted by us).
        let dead: Vec<Seen> = members.into_iter().filter(|m| m.state == 'Z').collect();
        reap_adopted(&dead, Duration::ZERO);
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn reap_adopted(members: &[Seen], patience: Duration) {
    let deadline = Instant::now() + patience;
    for m in members {
        loop {
            match waitpid(Pid::from_raw(m.pid), Some(WaitPidFlag::WNOHANG)) {
                Ok(nix::sys::wait::WaitStatus::StillAlive) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(5))
                }
                // Reaped, not ours to reap, or out of patience.
                _ => break,
            }
        }
    }
}

/// How much a process wrote, from `/proc/PID/io`: every `write`,
/// `sendmsg` and the like, to any file, pipe or socket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Writes {
    /// System calls that wrote (`syscw`).
    pub calls: u64,
    /// Bytes they wrote (`wchar`).
    pub bytes: u64,
}

impl Writes {
    fn of(pid: i32) -> Writes {
        let text = std::fs::read_to_string(format!("/proc/{pid}/io")).unwrap_or_default();
        let field = |name: &str| {
            text.lines()
                .find_map(|l| {
                    l.strip_prefix(name)?
                        .strip_prefix(": ")?
                        .trim()
                        .parse()
                        .ok()
                })
                .unwrap_or(0)
        };
        Writes {
            calls: field("syscw"),
            bytes: field("wchar"),
        }
    }
}

/// Reaps the program if it has ended (without waiting), with its exit
/// status and what it wrote. The counts are read while it is a zombie
/// (`waitid` with `WNOWAIT` leaves it one): `/proc/PID/io` still answers
/// then, and is gone once it is reaped.
fn reap_with_writes(pid: i32) -> Option<(ExitStatus, Writes)> {
    let id = nix::sys::wait::Id::Pid(Pid::from_raw(pid));
    let flags = WaitPidFlag::WEXITED | WaitPidFlag::WNOHANG | WaitPidFlag::WNOWAIT;
    match nix::sys::wait::waitid(id, flags) {
        Ok(nix::sys::wait::WaitStatus::StillAlive) => return None,
        Ok(_) => {}
        Err(e) => panic!("waitid({pid}): {e}"),
    }
    let writes = Writes::of(pid);
    let mut status = 0;
    // SAFETY: a plain out-pointer to a local.
    let reaped = unsafe { libc::waitpid(pid, &mut status, 0) };
    assert_eq!(
        reaped,
        pid,
        "waitpid({pid}): {}",
        std::io::Error::last_os_error()
    );
    Some((ExitStatus::from_raw(status), writes))
}

impl Outcome {
    /// The exit code, or minus the signal that ended the recipe.
    pub fn code(&self) -> i32 {
        self.status
            .code()
            .unwrap_or_else(|| -self.status.signal().unwrap_or(0))
    }

    pub fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }

    /// For the MPI exercises: the pids the `n` ranks said, in rank order,
    /// from lines `rank R is pid P` (one per rank). Panics unless every rank
    /// from 0 to `n - 1` said one, the pids differ and none is the
    /// launcher's. A check builds its expected values from these, so a
    /// value another rank could only know through a message cannot be
    /// worked out from rank and size alone.
    pub fn rank_pids(&self, n: usize) -> Vec<i64> {
        let lines = self.lines();
        let mut said: Vec<(usize, i64)> = lines
            .iter()
            .filter_map(|l| {
                let (rank, pid) = l.strip_prefix("rank ")?.split_once(" is pid ")?;
                Some((rank.parse().ok()?, pid.parse().ok()?))
            })
            .collect();
        said.sort();
        let ranks: Vec<usize> = said.iter().map(|s| s.0).collect();
        assert_eq!(
            ranks,
            (0..n).collect::<Vec<_>>(),
            "each of the {n} ranks should say \"rank R is pid P\" once: {lines:?}"
        );
        let pids: Vec<i64> = said.iter().map(|s| s.1).collect();
        let mut distinct = pids.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert!(
            distinct.len() == n
                && !pids.contains(&i64::from(self.pid))
                && pids.iter().all(|&p| p > 0),
            "each rank is a process of its own, with its own pid: {lines:?}"
        );
        pids
    }

    /// Panics, with everything a reader needs, unless the run left nothing
    /// behind: no process, no file in its temporary directory.
    pub fn assert_clean(&self) -> &Self {
        assert!(
            self.leftovers.is_empty(),
            "{}: processes left behind: {:?}\nstdout:\n{}stderr:\n{}",
            self.label,
            self.leftovers,
            self.stdout,
            self.stderr
        );
        assert!(
            self.tmp_leftovers.is_empty(),
            "{}: files left in TMPDIR: {:?}",
            self.label,
            self.tmp_leftovers
        );
        self
    }

    /// Panics unless the run exited 0 and left nothing behind.
    pub fn assert_success(&self) -> &Self {
        assert_eq!(
            self.code(),
            0,
            "{} failed\nstdout:\n{}stderr:\n{}",
            self.label,
            self.stdout,
            self.stderr
        );
        self.assert_ranks_speak_for_themselves();
        self.assert_clean()
    }

    /// Under an MPI launcher: panics unless every line that starts
    /// `rank R ` was printed by rank R (as the launcher saw it). Rank 0
    /// cannot print the other ranks' lines for them.
    pub fn assert_ranks_speak_for_themselves(&self) -> &Self {
        if self.said_by.is_empty() {
            return self;
        }
        for (line, by) in self.stdout.lines().zip(&self.said_by) {
            let claimed = line
                .strip_prefix("rank ")
                .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
                .and_then(|r| r.parse::<usize>().ok());
            if let Some(claimed) = claimed {
                assert_eq!(
                    Some(claimed),
                    *by,
                    "{}: the line {line:?} was printed by rank {}, not by rank {claimed}: each rank prints its own lines",
                    self.label,
                    by.map_or("?".to_string(), |b| b.to_string())
                );
            }
        }
        self
    }

    /// Under an MPI launcher: the rank that printed `line` (its first
    /// occurrence), as the launcher saw it.
    pub fn rank_that_said(&self, line: &str) -> Option<usize> {
        self.stdout
            .lines()
            .zip(&self.said_by)
            .find(|(l, _)| *l == line)
            .and_then(|(_, by)| *by)
    }

    /// With [`Run::trace_mpi`]: the MPI calls rank `rank` made, in order.
    pub fn calls(&self, rank: usize) -> &[String] {
        self.mpi_calls.get(rank).map_or(&[], Vec::as_slice)
    }

    /// With [`Run::trace_mpi`]: panics unless each of the `n` ranks called,
    /// for every entry of `wanted`, one of its `|`-separated names (MPI's
    /// names without `MPI_`: `"Reduce|Allreduce"`).
    pub fn assert_each_rank_called(&self, n: usize, wanted: &[&str]) -> &Self {
        for rank in 0..n {
            let calls = self.calls(rank);
            for want in wanted {
                assert!(
                    want.split('|').any(|w| calls.iter().any(|c| c == w)),
                    "{}: rank {rank} never called MPI_{} (its MPI calls: {calls:?})",
                    self.label,
                    want.replace('|', " or MPI_")
                );
            }
        }
        self
    }

    /// With [`Run::trace_mpi`]: panics if any rank called an MPI function
    /// whose name contains one of `forbidden` (case-insensitive).
    pub fn assert_no_rank_called(&self, forbidden: &[&str]) -> &Self {
        for (rank, calls) in self.mpi_calls.iter().enumerate() {
            for call in calls {
                let lower = call.to_lowercase();
                if let Some(f) = forbidden.iter().find(|f| lower.contains(&f.to_lowercase())) {
                    panic!(
                        "{}: rank {rank} called MPI_{call}, which this exercise does without ({f})",
                        self.label
                    );
                }
            }
        }
        self
    }

    /// Panics unless the run was refused as a usage error: exit code 2, one
    /// line on stderr starting with `error:`, no panic, nothing on stdout.
    pub fn assert_usage_error(&self) -> &Self {
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(
            self.code(),
            2,
            "{}: expected exit code 2\nstderr:\n{}",
            self.label,
            self.stderr
        );
        assert_eq!(
            lines.len(),
            1,
            "{}: one line expected: {lines:?}",
            self.label
        );
        assert!(
            lines[0].starts_with("error: "),
            "{}: {}",
            self.label,
            lines[0]
        );
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        assert!(self.stdout.is_empty(), "{}: {}", self.label, self.stdout);
        self.assert_clean()
    }
}

/// Puts an output in the form a page promises: lines matching a `drop`
/// pattern removed, every `mask` match replaced by `…`, and the lines
/// sorted when the order between processes is not fixed.
pub fn normalise(text: &str, rules: &manifest::Compare) -> Vec<String> {
    static CACHE: OnceLock<std::sync::Mutex<Vec<(String, Regex)>>> = OnceLock::new();
    let compile = |p: &str| -> Regex {
        let mut cache = CACHE.get_or_init(Default::default).lock().unwrap();
        if let Some((_, r)) = cache.iter().find(|(k, _)| k == p) {
            return r.clone();
        }
        let r = Regex::new(p).unwrap_or_else(|e| panic!("bad pattern {p:?} in recipes.toml: {e}"));
        cache.push((p.to_string(), r.clone()));
        r
    };
    let drops: Vec<Regex> = rules.drop.iter().map(|p| compile(p)).collect();
    let masks: Vec<Regex> = rules.mask.iter().map(|p| compile(p)).collect();
    let mut lines: Vec<String> = text
        .lines()
        .filter(|l| !drops.iter().any(|d| d.is_match(l)))
        .map(|l| {
            masks
                .iter()
                .fold(l.to_string(), |l, m| m.replace_all(&l, "…").into_owned())
        })
        .collect();
    if rules.order == manifest::Order::Any {
        lines.sort();
    }
    lines
}

/// Which program of an exercise a check runs, from the environment:
/// `EXERCISE_WRONG=<stem>` the known wrong solution `wrong/<stem>.rs`,
/// `EXERCISE_SOLUTION=1` the solution, else the student's program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Under {
    Student,
    Solution,
    Wrong(String),
}

impl Under {
    /// What the environment selects (see [`Under`]).
    pub fn from_env() -> Under {
        if let Some(stem) = std::env::var_os("EXERCISE_WRONG").filter(|s| !s.is_empty()) {
            Under::Wrong(stem.to_string_lossy().into_owned())
        } else if std::env::var_os("EXERCISE_SOLUTION").is_some() {
            Under::Solution
        } else {
            Under::Student
        }
    }
}

/// For the exercises' checks: the student's program, or with
/// `EXERCISE_SOLUTION=1` in the environment, the solution beside it (that
/// is how `cargo xtask exercise verify` proves every check can pass), or
/// with `EXERCISE_WRONG=<stem>` the known wrong solution `wrong/<stem>.rs`,
/// built as the bin `<starter>-wrong-<stem>` beside the starter's (that is
/// how verify proves the checks catch it).
/// The names in `/dev/shm` now: tests compare them before and after a run
/// to show that it left nothing there.
pub fn dev_shm() -> std::collections::BTreeSet<String> {
    std::fs::read_dir("/dev/shm")
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// A number in `lo..=hi`, different from run to run: a check that gives a
/// program a count it cannot know in advance defeats an answer that prints
/// the expected result for the default count.
pub fn pick(lo: u64, hi: u64) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    // Each RandomState is keyed from the operating system's randomness.
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    lo + random % (hi - lo + 1)
}

pub fn exercise(starter: &'static str, solution: &'static str, label: &str) -> Run {
    let program: PathBuf = match Under::from_env() {
        Under::Student => starter.into(),
        Under::Solution => solution.into(),
        Under::Wrong(stem) => {
            let starter = std::path::Path::new(starter);
            let name = starter
                .file_name()
                .expect("a starter executable")
                .to_string_lossy();
            let path = starter.with_file_name(format!("{name}-wrong-{stem}"));
            assert!(
                path.exists(),
                "no wrong solution {}: is wrong/{stem}.rs a [[bin]] named {name}-wrong-{stem}?",
                path.display()
            );
            path
        }
    };
    Run::program(program, label).timeout(Duration::from_secs(20))
}

/// The explanation an exercise asks for, as `answer: <letter>` in its
/// `answer.txt` (`crate_dir` is the check's `env!("CARGO_MANIFEST_DIR")`):
/// the student's file, or for the solution `solution/answer.txt`, or for a
/// wrong solution `wrong/<stem>.answer.txt` if there is one (else the
/// solution's). `None` when the file or its `answer:` line is missing.
pub fn exercise_answer(crate_dir: &str) -> Option<String> {
    let dir = std::path::Path::new(crate_dir);
    let path = match Under::from_env() {
        Under::Student => dir.join("answer.txt"),
        Under::Solution => dir.join("solution/answer.txt"),
        Under::Wrong(stem) => {
            let own = dir.join(format!("wrong/{stem}.answer.txt"));
            if own.exists() {
                own
            } else {
                dir.join("solution/answer.txt")
            }
        }
    };
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().find_map(|l| {
        l.trim()
            .strip_prefix("answer:")
            .map(|a| a.trim().to_lowercase())
            .filter(|a| !a.is_empty())
    })
}
