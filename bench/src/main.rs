//! What each mechanism costs, side by side with Python.
//!
//! `cargo xtask bench` builds this in release mode and runs it. Each case
//! is measured as the median of several samples after a warm-up, with the
//! minimum and maximum; when `python3` is there, the same workload written
//! in Python (`bench/python/bench.py`) runs right after, so both see the
//! same machine. Results go to `results.md` (tables), `results.json`, and
//! SVG charts, in `book/src/performance/` (or `--out`).
//!
//! Flags: `--quick` (a short run, for CI: written to `<target>/bench/quick`
//! unless `--out` says otherwise), `--filter TEXT` (only cases whose id
//! contains TEXT; repeatable), `--no-python`, `--out DIR`, and
//! `--from-json FILE` (write the reports again from an earlier run's
//! `results.json`, measuring nothing).

mod cases;
mod mpi;
mod report;

use cases::{Case, Scale, Unit};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    // Under mpiexec, as one rank of an MPI measurement.
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("mpi") {
        return mpi::helper(&args[1..]);
    }
    // The floor of `spawn`: this executable started to do nothing.
    if args.first().map(String::as_str) == Some("noop") {
        return ExitCode::SUCCESS;
    }
    common::main(run)
}

/// One figure: the median of the samples, with their range.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Stats {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub samples: usize,
}

impl Stats {
    fn of(mut samples: Vec<f64>) -> Option<Stats> {
        if samples.is_empty() {
            return None;
        }
        samples.sort_by(f64::total_cmp);
        let n = samples.len();
        let median = if n % 2 == 1 {
            samples[n / 2]
        } else {
            (samples[n / 2 - 1] + samples[n / 2]) / 2.0
        };
        Some(Stats {
            median,
            min: samples[0],
            max: samples[n - 1],
            samples: n,
        })
    }
}

/// A case's results.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Figure {
    pub id: String,
    pub group: String,
    pub label: String,
    pub unit: Unit,
    pub rust: Option<Stats>,
    pub python: Option<Stats>,
    /// Why a side has no figure.
    pub note: Option<String>,
}

struct Options {
    /// Write the reports again from an earlier run's JSON, measuring nothing.
    from_json: Option<PathBuf>,
    quick: bool,
    filters: Vec<String>,
    python: bool,
    out: PathBuf,
}

fn options() -> common::Result<Options> {
    let mut args = std::env::args().skip(1);
    let mut o = Options {
        from_json: None,
        quick: false,
        filters: Vec::new(),
        python: true,
        out: PathBuf::new(),
    };
    let mut out = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => o.quick = true,
            "--no-python" => o.python = false,
            "--from-json" => {
                o.from_json =
                    Some(PathBuf::from(args.next().ok_or_else(|| {
                        common::Error::usage("--from-json needs a file")
                    })?))
            }
            "--filter" => o.filters.push(
                args.next()
                    .ok_or_else(|| common::Error::usage("--filter needs a value"))?,
            ),
            "--out" => {
                out =
                    Some(PathBuf::from(args.next().ok_or_else(|| {
                        common::Error::usage("--out needs a directory")
                    })?))
            }
            other => {
                return Err(common::Error::usage(format!(
                    "unknown flag '{other}' (allowed: --quick, --filter TEXT, --no-python, --out DIR, --from-json FILE)"
                )));
            }
        }
    }
    o.out = out.unwrap_or_else(|| {
        if o.quick {
            manifest::target_dir().join("bench/quick")
        } else {
            manifest::workspace_root().join("book/src/performance")
        }
    });
    Ok(o)
}

/// Whether `python3` runs, and the Python that has mpi4py (the venv
/// `cargo xtask setup` makes), if there is one.
fn python_status() -> (bool, Option<PathBuf>) {
    let works = Command::new("python3")
        .args(["-c", "import multiprocessing"])
        .output()
        .is_ok_and(|o| o.status.success());
    (works, manifest::python::mpi4py_python())
}

/// An mpi4py twin: `bench/python/mpi_bench.py` on `np` ranks; rank 0
/// prints one figure per repeat.
fn mpi4py_samples(
    python: &std::path::Path,
    np: u32,
    args: &[String],
    repeats: usize,
    quick: bool,
) -> Result<Vec<f64>, String> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python/mpi_bench.py");
    let mut command = Command::new("mpiexec");
    command
        .args(["-n", &np.to_string()])
        .arg(python)
        .arg(script)
        .args(args)
        .args(["--repeats", &repeats.to_string()]);
    if quick {
        command.arg("--quick");
    }
    // Under the same time limit as the Rust side's launches.
    let output = mpi::output_within(command, mpi::LAUNCH_PATIENCE).map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).trim().to_string());
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| l.trim().parse::<f64>().map_err(|e| format!("{l:?}: {e}")))
        .collect()
}

fn python_samples(case: &str, repeats: usize, quick: bool) -> Result<Vec<f64>, String> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python/bench.py");
    let mut command = Command::new("python3");
    command
        .arg(script)
        .arg(case)
        .args(["--repeats", &repeats.to_string()]);
    if quick {
        command.arg("--quick");
    }
    let output = command.output().map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).trim().to_string());
    }
    serde_json::from_slice::<Vec<f64>>(&output.stdout).map_err(|e| e.to_string())
}

/// Puts this process (and so every process it starts from now on) on the
/// first core it may use; returns the affinity to restore.
fn pin_to_one_core() -> Option<nix::sched::CpuSet> {
    let me = nix::unistd::Pid::from_raw(0);
    let before = nix::sched::sched_getaffinity(me).ok()?;
    let first = (0..nix::sched::CpuSet::count()).find(|&c| before.is_set(c).unwrap_or(false))?;
    let mut one = nix::sched::CpuSet::new();
    one.set(first).ok()?;
    nix::sched::sched_setaffinity(me, &one).ok()?;
    Some(before)
}

fn run() -> common::Result<()> {
    let o = options()?;
    if let Some(json) = &o.from_json {
        let text = std::fs::read_to_string(json)?;
        let figures: Vec<Figure> = serde_json::from_str(&text)
            .map_err(|e| common::Error::new(format!("{}: {e}", json.display())))?;
        let python = figures.iter().any(|f| f.python.is_some());
        let mpi4py = figures
            .iter()
            .any(|f| f.group == "collectives" && f.python.is_some());
        let context = report::Context {
            quick: false,
            python,
            mpi4py,
            repeats: 7,
            reported_again: true,
        };
        report::write(&o.out, &figures, &context)?;
        eprintln!("bench: wrote {} from {}", o.out.display(), json.display());
        return Ok(());
    }
    let scale = Scale { quick: o.quick };
    let repeats = if o.quick { 2 } else { 7 };
    let (python, mpi4py) = if o.python {
        python_status()
    } else {
        (false, None)
    };
    let cases: Vec<Case> = cases::all()
        .into_iter()
        .filter(|c| o.filters.is_empty() || o.filters.iter().any(|f| c.id.contains(f.as_str())))
        .collect();
    if cases.is_empty() {
        return Err(common::Error::usage("no case matches --filter"));
    }
    eprintln!(
        "bench: {} cases, {} samples each after a warm-up{}; Python: {}",
        cases.len(),
        repeats,
        if o.quick { " (quick)" } else { "" },
        if python {
            "yes, interleaved"
        } else {
            "not available, Rust alone"
        }
    );
    let mut figures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        eprint!("[{}/{}] {} ...", i + 1, cases.len(), case.label);
        let _ = std::io::stderr().flush();
        let unpinned = if case.pin { pin_to_one_core() } else { None };
        let mut note = None;
        let mut samples = Vec::new();
        for k in 0..=repeats {
            match (case.sample)(&scale) {
                Ok(v) if k > 0 => samples.push(v),
                Ok(_) => {}
                Err(e) => {
                    note = Some(format!("Rust: {e}"));
                    break;
                }
            }
        }
        let rust = Stats::of(samples);
        let python_figure = match (&case.python, &case.python_mpi) {
            (Some(_), Some((np, args))) => match &mpi4py {
                Some(py) => match mpi4py_samples(py, *np, args, repeats, o.quick) {
                    Ok(s) => Stats::of(s),
                    Err(e) => {
                        note = Some(format!("mpi4py: {e}"));
                        None
                    }
                },
                None => None,
            },
            (Some(py), None) if python => match python_samples(py, repeats, o.quick) {
                Ok(s) => Stats::of(s),
                Err(e) => {
                    note = Some(format!("Python: {e}"));
                    None
                }
            },
            _ => None,
        };
        if let Some(mask) = unpinned {
            let _ = nix::sched::sched_setaffinity(nix::unistd::Pid::from_raw(0), &mask);
        }
        eprintln!(
            " {}",
            report::short(case.unit, rust.as_ref(), python_figure.as_ref())
        );
        figures.push(Figure {
            id: case.id.clone(),
            group: case.group.to_string(),
            label: case.label.clone(),
            unit: case.unit,
            rust,
            python: python_figure,
            note,
        });
    }
    let context = report::Context {
        quick: o.quick,
        python,
        mpi4py: mpi4py.is_some(),
        repeats,
        reported_again: false,
    };
    report::write(&o.out, &figures, &context)?;
    eprintln!("bench: wrote {}", o.out.display());
    Ok(())
}
