//! `cargo xtask compare`: a recipe's Python original and the Rust recipe,
//! run one after the other and shown side by side: both outputs, lined up
//! where the lines correspond, then wall time, peak memory and the number
//! of processes of each. `--all` does every recipe and prints one table;
//! `--mixed` runs an MPI recipe as a mixed job (mpi4py ranks beside Rust
//! ranks, one MPMD launch) beside an all-Rust run.
//!
//! How the numbers are taken (the same way for both sides):
//! - wall time: from the start until the program's own process ends;
//! - peak memory: the largest sum, over the process tree, of each
//!   process's proportional set size (PSS: a page shared by n processes
//!   counts 1/n to each, so forked children do not count the interpreter
//!   again), sampled every 2 ms from `/proc/<pid>/smaps_rollup`;
//! - processes: the distinct processes seen in the tree by that sampling
//!   (xtask makes itself a subreaper, so orphans stay in the tree). A
//!   process that lives less than a sampling interval can be missed.

use crate::{Failure, Result};
use manifest::mixed::{self, Lang, Ranks};
use manifest::{Compare, Order, Recipe, target_dir, workspace_root};
use regex::Regex;
use std::collections::HashSet;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct Args {
    /// The recipe to compare
    #[arg(value_name = "RECIPE", required_unless_present = "all")]
    recipe: Option<String>,
    /// Every recipe, in book order, summed up in one table
    #[arg(long, conflicts_with_all = ["recipe", "mixed"])]
    all: bool,
    /// An MPI recipe as a mixed job (its mpi4py original as some ranks, the Rust recipe as the others) beside an all-Rust run
    #[arg(long)]
    mixed: bool,
    /// COOKBOOK_TIME_SCALE for both sides (1 is the book's pacing) [default: the variable's value, else 0.1]
    #[arg(long, value_name = "SCALE")]
    time_scale: Option<f64>,
    /// Ranks for an MPI recipe, the same on both sides [default: the recipe's]
    #[arg(long, value_name = "N", conflicts_with = "mixed")]
    np: Option<u32>,
    /// With --all: also write the table to FILE (the book's introduction shows one)
    #[arg(long, value_name = "FILE", requires = "all")]
    out: Option<PathBuf>,
}

/// How long one side may run before it is stopped.
const TIMEOUT: Duration = Duration::from_secs(120);
const SAMPLE_EVERY: Duration = Duration::from_millis(2);

pub fn run(args: &Args) -> Result {
    let scale = match args.time_scale {
        Some(s) if !(s.is_finite() && s >= 0.0) => {
            return Err(Failure::usage(format!(
                "--time-scale {s}: give a number of 0 or more (1 is the book's pacing)"
            )));
        }
        Some(s) => s.to_string(),
        None => std::env::var("COOKBOOK_TIME_SCALE").unwrap_or_else(|_| "0.1".into()),
    };
    if args.np == Some(0) {
        return Err(Failure::usage("--np 0: an MPI job needs 1 rank or more"));
    }
    let names: Vec<String> = args.recipe.iter().cloned().collect();
    let recipes = crate::select(&names)?;
    if args.np.is_some() && recipes.iter().any(|r| !r.is_mpi()) {
        return Err(Failure::usage(format!(
            "--np: {} is not an MPI recipe",
            recipes[0].name
        )));
    }
    if args.mixed && recipes.iter().any(|r| r.mixed.is_none()) {
        return Err(Failure::usage(format!(
            "--mixed: {} has no mixed job (only the MPI recipes do)",
            recipes[0].name
        )));
    }
    let pythons = Pythons::find(recipes.iter().any(Recipe::is_mpi))?;
    crate::setup::system()?;
    build(&recipes)?;
    become_subreaper();
    println!(
        "xtask compare: sleeps scaled by COOKBOOK_TIME_SCALE={scale} on both sides (1 is the book's pacing)"
    );
    let mut rows = Vec::new();
    for recipe in &recipes {
        let (left, right) = if args.mixed {
            let size = recipe.mixed.as_deref().map(mixed::size);
            (mixed_side(recipe, &pythons), rust_side(recipe, size))
        } else {
            (
                python_side(recipe, &pythons, args.np),
                rust_side(recipe, args.np),
            )
        };
        let (l, r) = (left.measure(&scale)?, right.measure(&scale)?);
        let lines = align(&l.stdout, &r.stdout, &recipe.compare);
        if args.all {
            println!(
                "xtask compare: {} ({}, {})",
                recipe.name, l.status, r.status
            );
        } else {
            show(recipe, (&left, &l), (&right, &r), &lines);
        }
        rows.push(Row {
            name: recipe.name.clone(),
            tally: Tally::of(&lines),
            left: l,
            right: r,
        });
    }
    if args.all {
        let table = format!(
            "(sleeps scaled by COOKBOOK_TIME_SCALE={scale} on both sides)\n{}",
            table(&rows)
        );
        println!("\n{table}");
        if let Some(path) = &args.out {
            let text = format!("$ cargo xtask compare --all\n{table}");
            std::fs::write(path, text)
                .map_err(|e| Failure::new(format!("{}: {e}", path.display())))?;
            println!("xtask: wrote {}", path.display());
        }
    }
    let failed: Vec<&str> = rows
        .iter()
        .filter(|r| !r.left.ok || !r.right.ok)
        .map(|r| r.name.as_str())
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(Failure::new(format!(
            "xtask compare: a run failed for {}",
            failed.join(", ")
        )))
    }
}

/// The Pythons the comparison needs: the system's `python3` for the
/// multiprocessing listings, one with mpi4py for the MPI ones.
struct Pythons {
    system: PathBuf,
    mpi: Option<PathBuf>,
}

impl Pythons {
    fn find(mpi: bool) -> Result<Pythons> {
        let system = manifest::python::system_python()
            .and_then(|p| interpreter(&p))
            .ok_or_else(|| {
                Failure::usage(
                    "no python3 here: install Python 3 to compare with the Python originals",
                )
            })?;
        let mpi = if mpi {
            // Finds the venv's, or makes it.
            let python = crate::setup::python_mpi().map_err(|f| {
                Failure::usage(format!("mpi4py cannot be had here ({})", f.message))
            })?;
            Some(python)
        } else {
            None
        };
        Ok(Pythons { system, mpi })
    }
}

/// The interpreter itself: `python3` on the path may be a wrapper (pyenv's
/// shim is a shell script that starts a dozen processes), which would be
/// measured with the program.
fn interpreter(python: &std::path::Path) -> Option<PathBuf> {
    let out = Command::new(python)
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .ok()?;
    let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && !path.is_empty()).then(|| path.into())
}

/// The recipes' binaries, built (only those packages).
fn build(recipes: &[Recipe]) -> Result {
    let mut args = vec!["build", "--quiet", "--bins"];
    for r in recipes {
        args.extend(["-p", r.name.as_str()]);
    }
    crate::run(&crate::cargo(), &args)
}

/// One program to run: what the reader sees, and the command.
struct Side {
    title: String,
    shown: String,
    program: String,
    args: Vec<String>,
}

impl Side {
    fn measure(&self, scale: &str) -> Result<Measured> {
        let mut command = Command::new(&self.program);
        command
            .args(&self.args)
            .current_dir(workspace_root())
            .env("COOKBOOK_TIME_SCALE", scale)
            // Python's stdout is block-buffered into a pipe, so each
            // process's lines come out whole (as in the tests).
            .env("PYTHONUNBUFFERED", "")
            .env("PYTHONDONTWRITEBYTECODE", "1");
        measure(command).map_err(|e| Failure::new(format!("cannot run {}: {e}", self.shown)))
    }
}

/// The launcher's program, and its arguments up to the job's own.
fn launcher(job: Vec<String>) -> (String, Vec<String>) {
    let (program, mut flags) = mixed::launcher();
    flags.extend(job);
    (program, flags)
}

fn rust_bin(name: &str) -> String {
    target_dir().join("debug").join(name).display().to_string()
}

/// The Python listing of a recipe (`queue_recipe.py`: a `queue.py` would
/// hide the standard library's `queue` module from the program).
fn listing(recipe: &Recipe) -> PathBuf {
    let dir = workspace_root().join("book/python");
    match (recipe.is_mpi(), recipe.name.as_str()) {
        (true, name) => dir.join("mpi").join(format!("{name}.py")),
        (false, "queue") => dir.join("queue_recipe.py"),
        (false, name) => dir.join(format!("{name}.py")),
    }
}

fn relative(path: &std::path::Path) -> String {
    path.strip_prefix(workspace_root())
        .unwrap_or(path)
        .display()
        .to_string()
}

fn python_side(recipe: &Recipe, pythons: &Pythons, np: Option<u32>) -> Side {
    let file = listing(recipe);
    let shown_file = relative(&file);
    let file = file.display().to_string();
    match (&pythons.mpi, recipe.np) {
        (Some(python), Some(default)) if recipe.is_mpi() => {
            let np = np.unwrap_or(default).to_string();
            let shown = format!("mpiexec -n {np} python3 {shown_file}");
            let (program, args) =
                launcher(vec!["-n".into(), np, python.display().to_string(), file]);
            Side {
                title: "Python (mpi4py)".into(),
                shown,
                program,
                args,
            }
        }
        _ => Side {
            title: "Python".into(),
            shown: format!("python3 {shown_file}"),
            program: pythons.system.display().to_string(),
            args: vec![file],
        },
    }
}

/// The Rust recipe with the book's flags. An MPI recipe runs under the
/// launcher like the Python side (not self-launched, which would add a
/// process the Python side does not have).
fn rust_side(recipe: &Recipe, np: Option<u32>) -> Side {
    let bin = rust_bin(&recipe.name);
    let flags = recipe.args.join(" ");
    let flags = if flags.is_empty() {
        flags
    } else {
        format!(" {flags}")
    };
    match np.or(recipe.np) {
        Some(np) if recipe.is_mpi() => {
            let mut job = vec!["-n".to_string(), np.to_string(), bin];
            job.extend(recipe.args.iter().cloned());
            let (program, args) = launcher(job);
            Side {
                title: "Rust".into(),
                shown: format!("mpiexec -n {np} target/debug/{}{flags}", recipe.name),
                program,
                args,
            }
        }
        _ => Side {
            title: "Rust".into(),
            shown: format!("target/debug/{}{flags}", recipe.name),
            program: bin,
            args: recipe.args.clone(),
        },
    }
}

fn mixed_side(recipe: &Recipe, pythons: &Pythons) -> Side {
    let groups: &[Ranks] = recipe.mixed.as_deref().unwrap_or_default();
    let python = pythons.mpi.clone().unwrap_or_default();
    let langs: Vec<String> = groups
        .iter()
        .map(|g| {
            let lang = if g.lang == Lang::Python {
                "Python"
            } else {
                "Rust"
            };
            format!("{} {lang}", g.n)
        })
        .collect();
    let (program, args) = launcher(mixed::launch_args(
        &recipe.name,
        groups,
        &python,
        &target_dir().join("debug"),
    ));
    Side {
        title: format!("mixed ({})", langs.join(" + ")),
        shown: mixed::command_line(&recipe.name, groups)
            .trim_start_matches("$ ")
            .to_string(),
        program,
        args,
    }
}

/// What one run did, and what it cost.
pub struct Measured {
    stdout: String,
    stderr: String,
    ok: bool,
    status: String,
    wall: Duration,
    /// KiB, the largest sampled sum of the tree's PSS.
    peak_kib: u64,
    processes: usize,
    /// Processes still there after the program's own process ended (killed
    /// after five seconds).
    left_behind: usize,
}

/// xtask adopts the orphans of the processes it starts, so a process
/// whose parent has gone stays in the measured tree and is reaped here.
fn become_subreaper() {
    // SAFETY: prctl with PR_SET_CHILD_SUBREAPER takes an integer flag and
    // changes only this process's attribute.
    unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    }
}

/// The processes below this one: every thread's `children`, recursively.
fn tree() -> Vec<i32> {
    let mut found = Vec::new();
    let mut todo = children_of(std::process::id() as i32);
    while let Some(pid) = todo.pop() {
        found.push(pid);
        todo.extend(children_of(pid));
    }
    found
}

fn children_of(pid: i32) -> Vec<i32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("children")).ok())
        .flat_map(|s| {
            s.split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect::<Vec<i32>>()
        })
        .collect()
}

/// A process's start time (field 22 of `stat`), which tells a reused pid
/// from the first process that had it.
fn start_time(pid: i32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = stat.rsplit_once(')')?.1;
    after_name.split_whitespace().nth(19)?.parse().ok()
}

fn pss_kib(pid: i32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Pss:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn measure(mut command: Command) -> std::io::Result<Measured> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = command.spawn()?;
    let root = child.id() as i32;
    let reader = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut pipe) = pipe {
                let mut bytes = Vec::new();
                let _ = pipe.read_to_end(&mut bytes);
                text = String::from_utf8_lossy(&bytes).into_owned();
            }
            text
        })
    };
    let stdout = reader(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = reader(child.stderr.take().map(|p| Box::new(p) as _));
    let mut seen: HashSet<(i32, u64)> = HashSet::new();
    let (mut peak, mut ended, mut wall) = (0, None, Duration::ZERO);
    let mut left_behind = 0;
    let mut killed = false;
    loop {
        let pids = tree();
        let mut sum = 0;
        for &pid in &pids {
            if let Some(t) = start_time(pid) {
                seen.insert((pid, t));
            }
            sum += pss_kib(pid);
        }
        peak = peak.max(sum);
        // Reap what has ended: the program, and orphans handed to us.
        loop {
            let mut status = 0;
            // SAFETY: waitpid with WNOHANG writes only into `status`.
            let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
            if pid <= 0 {
                break;
            }
            if pid == root {
                ended = Some(status);
                wall = started.elapsed();
            }
        }
        let late = match ended {
            None => started.elapsed() > TIMEOUT,
            Some(_) => started.elapsed() > wall + Duration::from_secs(5),
        };
        if ended.is_some() && pids.is_empty() {
            break;
        }
        if late && !killed {
            let rest = tree();
            if ended.is_some() {
                left_behind = rest.len();
            }
            for pid in rest {
                // SAFETY: kill has no memory effects; the pid is one of ours.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
            killed = true;
        }
        std::thread::sleep(SAMPLE_EVERY);
    }
    let status = ended.unwrap_or(0);
    let (ok, status) = if killed && left_behind == 0 {
        (false, format!("stopped after {} s", TIMEOUT.as_secs()))
    } else if libc::WIFEXITED(status) {
        let code = libc::WEXITSTATUS(status);
        (code == 0 && left_behind == 0, format!("exit code {code}"))
    } else {
        (
            false,
            format!("killed by signal {}", libc::WTERMSIG(status)),
        )
    };
    Ok(Measured {
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
        ok,
        status,
        wall,
        peak_kib: peak,
        processes: seen.len(),
        left_behind,
    })
}

/// How two lines side by side relate.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    /// The same text.
    Same,
    /// The same line once what varies from run to run is set aside (the
    /// page's masks, and every number: pids, timestamps, random values).
    Varies,
    /// On one side only, and the page says it may or may not appear.
    Maybe,
    /// On one side only, or different, with nothing on the page to explain it.
    Differs,
}

impl Mark {
    fn sign(self) -> char {
        match self {
            Mark::Same => '=',
            Mark::Varies => '~',
            Mark::Maybe => '?',
            Mark::Differs => '!',
        }
    }
}

struct Pair {
    left: Option<String>,
    right: Option<String>,
    mark: Mark,
}

/// Lines up the two outputs. Where the page says the order is fixed,
/// the longest common run of corresponding lines; where lines come in
/// any order, each left line with a right line of the same text, or
/// failing that of the same shape, in the left side's order.
fn align(left: &str, right: &str, rules: &Compare) -> Vec<Pair> {
    let number = Regex::new(r"\d+").expect("regex");
    let masks: Vec<Regex> = rules
        .mask
        .iter()
        .filter_map(|m| Regex::new(m).ok())
        .collect();
    let drops: Vec<Regex> = rules
        .drop
        .iter()
        .filter_map(|d| Regex::new(d).ok())
        .collect();
    let shape = |l: &str| {
        let masked = masks
            .iter()
            .fold(l.to_string(), |l, m| m.replace_all(&l, "…").into_owned());
        number.replace_all(&masked, "#").into_owned()
    };
    let lone = |l: &str| {
        if drops.iter().any(|d| d.is_match(l)) {
            Mark::Maybe
        } else {
            Mark::Differs
        }
    };
    let (a, b): (Vec<&str>, Vec<&str>) = (left.lines().collect(), right.lines().collect());
    let (sa, sb): (Vec<String>, Vec<String>) = (
        a.iter().map(|l| shape(l)).collect(),
        b.iter().map(|l| shape(l)).collect(),
    );
    let pair = |i: usize, j: usize| Pair {
        left: Some(a[i].to_string()),
        right: Some(b[j].to_string()),
        mark: if a[i] == b[j] {
            Mark::Same
        } else {
            Mark::Varies
        },
    };
    let only_left = |i: usize| Pair {
        left: Some(a[i].to_string()),
        right: None,
        mark: lone(a[i]),
    };
    let only_right = |j: usize| Pair {
        left: None,
        right: Some(b[j].to_string()),
        mark: lone(b[j]),
    };
    let mut pairs = Vec::new();
    if rules.order == Order::Any {
        // First every line with its twin of the same text, then what is
        // left by shape: a line must not take another's exact twin.
        let mut partner: Vec<Option<usize>> = vec![None; a.len()];
        let mut taken = vec![false; b.len()];
        for same_text in [true, false] {
            for i in 0..a.len() {
                if partner[i].is_some() {
                    continue;
                }
                let fits = |j: usize| {
                    !taken[j]
                        && if same_text {
                            a[i] == b[j]
                        } else {
                            sa[i] == sb[j]
                        }
                };
                if let Some(j) = (0..b.len()).find(|&j| fits(j)) {
                    taken[j] = true;
                    partner[i] = Some(j);
                }
            }
        }
        for (i, p) in partner.iter().enumerate() {
            pairs.push(match p {
                Some(j) => pair(i, *j),
                None => only_left(i),
            });
        }
        pairs.extend((0..b.len()).filter(|&j| !taken[j]).map(only_right));
        return pairs;
    }
    // Longest common subsequence of the shapes, then walk it.
    let (n, m) = (a.len(), b.len());
    let mut best = vec![vec![0_usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            best[i][j] = if sa[i] == sb[j] {
                best[i + 1][j + 1] + 1
            } else {
                best[i + 1][j].max(best[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && sa[i] == sb[j] {
            pairs.push(pair(i, j));
            i += 1;
            j += 1;
        } else if j == m || (i < n && best[i + 1][j] >= best[i][j + 1]) {
            pairs.push(only_left(i));
            i += 1;
        } else {
            pairs.push(only_right(j));
            j += 1;
        }
    }
    pairs
}

/// Counts of each mark.
#[derive(Default)]
struct Tally([usize; 4]);

impl Tally {
    fn of(pairs: &[Pair]) -> Tally {
        let mut t = Tally::default();
        for p in pairs {
            t.0[p.mark as usize] += 1;
        }
        t
    }

    fn text(&self) -> String {
        let [same, varies, maybe, differs] = self.0;
        format!("{same:>3} = {varies:>3} ~ {maybe:>2} ? {differs:>2} !")
    }
}

/// What the marks mean, printed under every side-by-side view.
const LEGEND: &str = "= same line   ~ same line, except what the page says varies (pids, times, random values, masked parts)\n? on one side only, and the page says it may or may not appear   ! differs, unexplained";

fn show(recipe: &Recipe, left: (&Side, &Measured), right: (&Side, &Measured), pairs: &[Pair]) {
    let width = pairs
        .iter()
        .filter_map(|p| p.left.as_ref())
        .map(|l| l.chars().count())
        .chain([left.0.title.len(), 20])
        .max()
        .unwrap_or(20)
        .min(70);
    println!("\n=== {}: {} ===", recipe.name, recipe.title);
    println!("left:  $ {}", left.0.shown);
    println!("right: $ {}\n", right.0.shown);
    println!("{:<width$}   | {}", left.0.title, right.0.title);
    println!("{:-<width$}---+-{:-<20}", "", "");
    for p in pairs {
        let l = p.left.as_deref().unwrap_or("");
        let l: String = if l.chars().count() > width {
            l.chars().take(width - 1).chain(['…']).collect()
        } else {
            l.to_string()
        };
        println!(
            "{l:<width$} {} | {}",
            p.mark.sign(),
            p.right.as_deref().unwrap_or("")
        );
    }
    println!("\n{LEGEND}\n");
    for (side, m) in [left, right] {
        if !m.ok && !m.stderr.trim().is_empty() {
            println!("{} wrote on stderr:\n{}", side.title, m.stderr.trim_end());
        }
    }
    println!(
        "{:<20} {:>12} {:>12}",
        "",
        left.0.title_short(),
        right.0.title_short()
    );
    let rows: [(&str, String, String); 4] = [
        ("result", left.1.status.clone(), right.1.status.clone()),
        ("wall time", secs(left.1.wall), secs(right.1.wall)),
        (
            "peak memory (PSS)",
            mib(left.1.peak_kib),
            mib(right.1.peak_kib),
        ),
        (
            "processes",
            left.1.processes.to_string(),
            right.1.processes.to_string(),
        ),
    ];
    for (what, l, r) in rows {
        println!("{what:<20} {l:>12} {r:>12}");
    }
    for (side, m) in [left, right] {
        if m.left_behind > 0 {
            println!(
                "{}: {} processes were still running after it ended (killed)",
                side.title, m.left_behind
            );
        }
    }
}

impl Side {
    fn title_short(&self) -> &str {
        self.title.split(' ').next().unwrap_or("")
    }
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

struct Row {
    name: String,
    tally: Tally,
    left: Measured,
    right: Measured,
}

fn table(rows: &[Row]) -> String {
    let mut t = String::new();
    t.push_str(&format!(
        "{:<15} {:<24} {:>17} {:>21} {:>11}\n",
        "", "output lines", "wall time (s)", "peak memory (MiB)", "processes"
    ));
    t.push_str(&format!(
        "{:<15} {:<24} {:>8} {:>8} {:>10} {:>10} {:>5} {:>5}\n",
        "recipe", "(Python vs Rust)", "Python", "Rust", "Python", "Rust", "Py", "Rust"
    ));
    for r in rows {
        let flag = |m: &Measured| if m.ok { "" } else { "*" };
        t.push_str(&format!(
            "{:<15} {:<24} {:>8.2} {:>7.2}{:1} {:>10.1} {:>10.1} {:>5} {:>5}\n",
            r.name,
            r.tally.text(),
            r.left.wall.as_secs_f64(),
            r.right.wall.as_secs_f64(),
            format!("{}{}", flag(&r.left), flag(&r.right)),
            r.left.peak_kib as f64 / 1024.0,
            r.right.peak_kib as f64 / 1024.0,
            r.left.processes,
            r.right.processes,
        ));
    }
    t.push('\n');
    t.push_str(LEGEND);
    t.push_str(
        "\nMemory: the largest sum of the process tree's PSS; processes: those seen in the tree; both sampled every 2 ms (a process that lives less than that can be missed).\n",
    );
    if rows.iter().any(|r| !r.left.ok || !r.right.ok) {
        t.push_str("*: a run failed (see above)\n");
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marks(left: &str, right: &str, rules: &Compare) -> Vec<(String, String, char)> {
        align(left, right, rules)
            .into_iter()
            .map(|p| {
                (
                    p.left.unwrap_or_default(),
                    p.right.unwrap_or_default(),
                    p.mark.sign(),
                )
            })
            .collect()
    }

    #[test]
    fn in_a_fixed_order_lines_pair_up_by_shape_and_the_rest_stand_alone() {
        let rules = Compare {
            drop: vec!["^maybe".into()],
            ..Compare::default()
        };
        let got = marks("a 1\nmaybe\nb\nc\n", "a 2\nb\nextra\nc\n", &rules);
        let want = [
            ("a 1", "a 2", '~'),
            ("maybe", "", '?'),
            ("b", "b", '='),
            ("", "extra", '!'),
            ("c", "c", '='),
        ];
        let want: Vec<(String, String, char)> = want
            .iter()
            .map(|(l, r, m)| (l.to_string(), r.to_string(), *m))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn in_any_order_the_same_text_wins_over_the_same_shape() {
        let rules = Compare {
            order: Order::Any,
            mask: vec![r"pid=\d+".into()],
            drop: Vec::new(),
        };
        let got = marks("x 1\nx 2\np pid=7\nlone\n", "x 2\np pid=9\nx 3\n", &rules);
        let want: Vec<(String, String, char)> = [
            ("x 1", "x 3", '~'),
            ("x 2", "x 2", '='),
            ("p pid=7", "p pid=9", '~'),
            ("lone", "", '!'),
        ]
        .iter()
        .map(|(l, r, m)| (l.to_string(), r.to_string(), *m))
        .collect();
        assert_eq!(got, want);
    }
}
