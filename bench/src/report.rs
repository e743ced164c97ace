//! Writing the results: `results.md` (tables, and how the figures compare
//! with the project's targets), `results.json`, and SVG charts.

use crate::cases::{SIZES, Unit};
use crate::{Figure, Stats};
use std::fmt::Write as _;
use std::path::Path;

pub struct Context {
    pub quick: bool,
    pub python: bool,
    pub mpi4py: bool,
    pub repeats: usize,
    /// Written again from an earlier run's `results.json` (`--from-json`).
    pub reported_again: bool,
}

/// A figure as people read it.
pub fn show(unit: Unit, v: f64) -> String {
    match unit {
        Unit::Seconds if v < 1e-6 => format!("{:.2} µs", v * 1e6),
        Unit::Seconds if v < 1e-3 => format!("{:.1} µs", v * 1e6),
        Unit::Seconds if v < 1.0 => format!("{:.2} ms", v * 1e3),
        Unit::Seconds => format!("{v:.2} s"),
        Unit::BytesPerSecond if v >= 1e9 => format!("{:.2} GB/s", v / 1e9),
        Unit::BytesPerSecond => format!("{:.0} MB/s", v / 1e6),
        Unit::PerSecond if v >= 1e6 => format!("{:.2} M/s", v / 1e6),
        Unit::PerSecond if v >= 1e3 => format!("{:.0} k/s", v / 1e3),
        // CPU-bound tasks: a few dozen a second.
        Unit::PerSecond => format!("{v:.1} /s"),
        Unit::Ratio => format!("{v:.2}x"),
    }
}

/// How many times better Rust is than Python (above 1: Rust is better).
pub fn advantage(unit: Unit, rust: &Stats, python: &Stats) -> f64 {
    match unit {
        Unit::Seconds => python.median / rust.median,
        _ => rust.median / python.median,
    }
}

/// The one-line progress report for a case.
pub fn short(unit: Unit, rust: Option<&Stats>, python: Option<&Stats>) -> String {
    let mut text = rust.map_or("no figure".to_string(), |r| show(unit, r.median));
    if let (Some(r), Some(p)) = (rust, python) {
        let _ = write!(
            text,
            " (Python {}, {:.1}x)",
            show(unit, p.median),
            advantage(unit, r, p)
        );
    }
    text
}

fn cell(unit: Unit, s: Option<&Stats>) -> String {
    s.map_or("–".to_string(), |s| {
        format!(
            "{} ({} – {})",
            show(unit, s.median),
            show(unit, s.min),
            show(unit, s.max)
        )
    })
}

const GROUPS: [(&str, &str); 7] = [
    ("start", "Starting and joining one process"),
    ("rtt", "Round trip of an 8-byte message"),
    ("throughput", "One-way throughput"),
    ("items", "Many small operations"),
    ("pool", "Process pool"),
    ("collectives", "MPI collectives"),
    ("scaling", "Scaling: more workers, processes, ranks"),
];

/// Whether a case is itself a floor or a reference (drawn grey).
pub fn is_floor(id: &str) -> bool {
    id.starts_with("floor_")
        || id.starts_with("rtt_raw")
        || id.starts_with("tp_raw")
        || id.starts_with("tp_memcpy")
}

/// A case's floor: the same work with plain system calls (or a copy in
/// memory, or MPICH's own C), as the id of the case that measures it, and
/// how many of the floor's operations make one of the case's (a pool of
/// two workers has two round trips going at once).
pub fn floor_of(id: &str) -> Option<(String, f64)> {
    let size = id.rsplit_once('_').map_or("", |(_, s)| s);
    let f = |floor: &str| Some((floor.to_string(), 1.0));
    match id {
        "start_fork" => f("floor_fork"),
        "start_spawn" => f("floor_exec_self"),
        "start_forkserver" => f("start_fork"),
        "rtt_pipe" => f("rtt_raw_pipe"),
        "rtt_queue" | "rtt_ipc_channel" => f("rtt_raw_socketpair"),
        "rtt_mpi" | "rtt_mpi_object" => f("rtt_mpich_c"),
        "queue_items_1" | "queue_items_2" => f("floor_items_seqpacket"),
        "manager_set" | "manager_get" => f("rtt_raw_socketpair"),
        "pool_tiny_1" => Some(("rtt_raw_pipe".into(), 2.0)),
        _ if id.starts_with("tp_pipe_") => Some((format!("tp_raw_pipe_{size}"), 1.0)),
        _ if id.starts_with("tp_queue_") || id.starts_with("tp_ipc_channel_") => {
            Some((format!("tp_raw_socketpair_{size}"), 1.0))
        }
        _ if id.starts_with("tp_shm_")
            || id.starts_with("tp_mpi_")
            || id.starts_with("tp_crossbeam_") =>
        {
            Some((format!("tp_memcpy_{size}"), 1.0))
        }
        _ => None,
    }
}

/// How close `value` (in `unit`) is to the floor's figure, as a share of
/// the floor's speed: 1 is at the floor, 0.5 half as fast. A floor in
/// seconds per operation, for a case counted per second, is turned into a
/// rate (`times` operations at once).
pub fn share_of_floor(unit: Unit, value: f64, floor: &Figure, times: f64) -> Option<f64> {
    let fl = floor.rust.as_ref()?.median;
    Some(match (unit, floor.unit) {
        (Unit::Seconds, Unit::Seconds) => fl / value,
        (Unit::PerSecond, Unit::Seconds) => value / (times / fl),
        (_, _) => value / fl,
    })
}

fn find<'a>(figures: &'a [Figure], id: &str) -> Option<&'a Stats> {
    figures
        .iter()
        .find(|f| f.id == id)
        .and_then(|f| f.rust.as_ref())
}

pub fn write(dir: &Path, figures: &[Figure], cx: &Context) -> common::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut md = String::new();
    let _ = writeln!(
        md,
        "<!-- Written by `cargo xtask bench`{}; do not edit by hand. -->\n",
        if cx.quick { " --quick" } else { "" }
    );
    let _ = writeln!(
        md,
        "Each figure is the median of {} samples taken after a warm-up, with the fastest and slowest sample in brackets. \
         {} {}\n",
        cx.repeats,
        if cx.python {
            "Python ran each of its cases right after the Rust one, on the same machine."
        } else {
            "Python was not available: Rust figures only."
        },
        if cx.mpi4py {
            ""
        } else {
            "mpi4py was not there (`cargo xtask setup` installs it), so the MPI cases have no Python column."
        }
    );
    if cx.reported_again {
        md.push_str(
            "These figures are those of the run saved in `results.json`, written out again \
             (`--from-json`) by the current report, which measures nothing: a case added \
             since that run shows as not measured.\n\n",
        );
    }
    let _ = writeln!(
        md,
        "Machine: {} cores; {}.\n",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        kernel()
    );
    md.push_str(&mpi_headline(figures));
    for (group, title) in GROUPS {
        let rows: Vec<&Figure> = figures.iter().filter(|f| f.group == group).collect();
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(md, "### {title}\n");
        let _ = writeln!(
            md,
            "| case | Rust | Python | Rust vs Python | floor | share of the floor's speed |\n|---|---|---|---|---|---|"
        );
        for f in rows {
            let vs = match (&f.rust, &f.python) {
                (Some(r), Some(p)) => format!("{:.1}x", advantage(f.unit, r, p)),
                _ => "–".into(),
            };
            let label = match &f.note {
                Some(note) => format!("{} ({note})", f.label),
                None => f.label.clone(),
            };
            let (floor, share) = floor_cells(figures, f);
            let _ = writeln!(
                md,
                "| {label} | {} | {} | {vs} | {floor} | {share} |",
                cell(f.unit, f.rust.as_ref()),
                cell(f.unit, f.python.as_ref())
            );
        }
        md.push('\n');
        if group == "collectives" {
            md.push_str(&oversubscription(figures));
        }
    }
    md.push_str(&targets(figures));
    std::fs::write(dir.join("results.md"), md)?;
    std::fs::write(
        dir.join("results.json"),
        serde_json::to_string_pretty(figures).map_err(|e| common::Error::new(e.to_string()))?,
    )?;
    charts(dir, figures)?;
    Ok(())
}

fn kernel() -> String {
    std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map_or("Linux".into(), |k| format!("Linux {}", k.trim()))
}

fn figure<'a>(figures: &'a [Figure], id: &str) -> Option<&'a Figure> {
    figures.iter().find(|f| f.id == id)
}

/// The floor's label and how close the case comes to it, for the tables.
fn floor_cells(figures: &[Figure], f: &Figure) -> (String, String) {
    let Some((floor_id, times)) = floor_of(&f.id) else {
        return ("–".into(), "–".into());
    };
    let Some(floor) = figure(figures, &floor_id) else {
        return (floor_id, "not measured".into());
    };
    let share = f
        .rust
        .as_ref()
        .and_then(|r| share_of_floor(f.unit, r.median, floor, times))
        .map_or("–".into(), |v| format!("{v:.2}"));
    let name = if times > 1.0 {
        format!("{} ({times:.0} at once)", floor.label)
    } else {
        floor.label.clone()
    };
    (name, share)
}

/// The MPI section's headline: rsmpi's speed over mpi4py's, case by case.
fn mpi_headline(figures: &[Figure]) -> String {
    let mpi: Vec<(&Figure, f64)> = figures
        .iter()
        .filter(|f| f.id.contains("mpi") && f.id != "rtt_mpich_c" && !f.id.starts_with("scale_"))
        .filter_map(|f| Some((f, advantage(f.unit, f.rust.as_ref()?, f.python.as_ref()?))))
        .collect();
    // Without mpi4py, the sentence at the top says so.
    if mpi.is_empty() {
        return String::new();
    }
    let mut ratios: Vec<f64> = mpi.iter().map(|(_, r)| *r).collect();
    ratios.sort_by(f64::total_cmp);
    let median = ratios[ratios.len() / 2];
    let (lo, hi) = (
        mpi.iter()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .expect("not empty"),
        mpi.iter()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .expect("not empty"),
    );
    format!(
        "**rsmpi beside mpi4py:** over the {} MPI cases measured with both, rsmpi's speed is \
         {median:.1}x mpi4py's at the median, from {:.1}x ({}) to {:.1}x ({}). The same MPICH \
         library moves the bytes under both: what differs is each call's cost on the way in \
         and out.\n\n",
        mpi.len(),
        lo.1,
        lo.0.label,
        hi.1,
        hi.0.label
    )
}

/// Under the collectives: what more ranks than cores cost, and what
/// MPICH's yield setting changed, from the figures.
fn oversubscription(figures: &[Figure]) -> String {
    let get = |id: &str| find(figures, id).map(|s| s.median);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (Some(two), Some(four)) = (get("mpi_reduce_2"), get("mpi_reduce_4")) else {
        return String::new();
    };
    let mut text = format!(
        "With 4 ranks on {cores} cores, a reduce takes {} against {} with 2 ranks ({:.0}x).",
        show(Unit::Seconds, four),
        show(Unit::Seconds, two),
        four / two
    );
    for (id, setting) in [
        ("mpi_reduce_4_yield", "`MPIR_CVAR_POLLS_BEFORE_YIELD=1`"),
        (
            "mpi_reduce_4_threads",
            "`MPIR_CVAR_DEFAULT_THREAD_LEVEL=MPI_THREAD_MULTIPLE`",
        ),
    ] {
        if let Some(with) = get(id) {
            let change = four / with;
            let _ = write!(
                text,
                " With {setting}: {} ({}).",
                show(Unit::Seconds, with),
                if change > 1.5 {
                    format!("{change:.1}x faster: this setting lets waiting ranks give way")
                } else if change < 1.0 / 1.5 {
                    format!("{:.1}x slower", 1.0 / change)
                } else {
                    "no real change".to_string()
                }
            );
        }
    }
    text.push_str("\n\n");
    text
}

/// Where a manager call's time goes beyond the floor's: the same system
/// calls (one `writev`, one `readv` each side), plus serde and the
/// server's bookkeeping.
const MANAGER_COST: &str = "a call makes the floor's system calls, so the rest is ours: serde, and the server's \
     table and locks";

/// One target: what is compared, the bound, and which way is better.
struct Target {
    what: &'static str,
    /// The measured ratio (or figure) and how to show it.
    measured: Option<(f64, String)>,
    met: bool,
    /// When missed: the floor that stops it, from the figures.
    why: Option<String>,
}

fn ratio_to(figures: &[Figure], id: &str, floor: &str) -> Option<f64> {
    Some(find(figures, id)?.median / find(figures, floor)?.median)
}

fn label(figures: &[Figure], id: &str) -> String {
    figure(figures, id).map_or(id.to_string(), |f| f.label.clone())
}

/// The targets, each with its verdict, made from the figures of this run:
/// the page stays true whenever the benchmark is run again.
fn targets(figures: &[Figure]) -> String {
    let mut all = Vec::new();
    // Time over a floor's time: at most `bound`.
    let mut time_target = |what: &'static str, id: &str, floor: &str, bound: f64| {
        let r = ratio_to(figures, id, floor);
        let met = r.is_some_and(|r| r <= bound);
        let why = r.filter(|_| !met).map(|r| {
            format!(
                "{} costs {} over the floor ({}, {}): that gap is ours, {:.0}% of the figure",
                label(figures, id),
                show(
                    Unit::Seconds,
                    find(figures, id).map_or(0.0, |s| s.median)
                        - find(figures, floor).map_or(0.0, |s| s.median)
                ),
                label(figures, floor),
                show(
                    Unit::Seconds,
                    find(figures, floor).map_or(0.0, |s| s.median)
                ),
                (1.0 - 1.0 / r) * 100.0
            )
        });
        all.push(Target {
            what,
            measured: r.map(|r| (r, format!("{r:.2}x"))),
            met,
            why,
        });
    };
    time_target(
        "Pipe, 8-byte round trip: at most 1.3x the raw pipe's",
        "rtt_pipe",
        "rtt_raw_pipe",
        1.3,
    );
    time_target(
        "Queue, 8-byte round trip: at most 1.2x the raw socket pair's",
        "rtt_queue",
        "rtt_raw_socketpair",
        1.2,
    );
    time_target(
        "start + join, spawn: at most 1.3x an exec of the same executable to a no-op",
        "start_spawn",
        "floor_exec_self",
        1.3,
    );
    time_target(
        "start + join, forkserver: at most 1.5x fork's",
        "start_forkserver",
        "start_fork",
        1.5,
    );
    time_target(
        "rsmpi round trip: at most 1.1x MPICH's own C",
        "rtt_mpi",
        "rtt_mpich_c",
        1.1,
    );
    // Items per second: at least 2 M/s, and what the floor allows.
    let items = find(figures, "queue_items_1").map(|s| s.median);
    let stream = find(figures, "floor_items_socketpair").map(|s| s.median);
    let messages = find(figures, "floor_items_seqpacket").map(|s| s.median);
    let met = items.is_some_and(|v| v >= 2e6);
    all.push(Target {
        what: "Queue, small items, 1 producer 1 consumer: 2 M/s or more",
        measured: items.map(|v| (v, show(Unit::PerSecond, v))),
        met,
        why: (!met).then(|| match (items, stream, messages) {
            (Some(v), Some(st), Some(ms)) => format!(
                "a consumer must take items one at a time, to leave the rest to other \
                 consumers: one system call each. With one `read` per record from a stream \
                 this machine reaches {} (floor row); with one message per item, the queue's \
                 way (so that no two consumers split one, and no process killed half-way \
                 leaves half an item), {} (floor row: the kernel makes and frees a packet per \
                 item). The queue is at {:.2} of the second; the rest is ours (the item \
                 count, serde, the feeder's hand-off)",
                show(Unit::PerSecond, st),
                show(Unit::PerSecond, ms),
                v / ms
            ),
            _ => "the floors were not measured".into(),
        }),
    });
    // Rates against round trips: a share of the floor's rate (each case's
    // own floor: the manager's socket pair, the pool's pipes).
    let mut rate_target = |what: &'static str, id: &str, bound: f64, cost: &str| {
        let floor = floor_of(id);
        let share = (|| {
            let f = figure(figures, id)?;
            let (floor, times) = floor.as_ref()?;
            share_of_floor(
                f.unit,
                f.rust.as_ref()?.median,
                figure(figures, floor)?,
                *times,
            )
        })();
        let met = share.is_some_and(|v| v >= bound);
        let why = share.filter(|_| !met).and_then(|v| {
            let (floor, times) = floor.as_ref()?;
            let rtt = find(figures, floor)?.median;
            Some(format!(
                "one round trip of the floor ({}: {}) allows {} x {times:.0}; we reach {v:.2} \
                 of that: {cost}",
                label(figures, floor),
                show(Unit::Seconds, rtt),
                show(Unit::PerSecond, 1.0 / rtt),
            ))
        });
        all.push(Target {
            what,
            measured: share.map(|v| (v, format!("{v:.2} of the floor"))),
            met,
            why,
        });
    };
    rate_target(
        "Manager dictionary, sets: 0.8 of one socket round trip's rate or more",
        "manager_set",
        0.8,
        MANAGER_COST,
    );
    rate_target(
        "Manager dictionary, gets: 0.8 of one socket round trip's rate or more",
        "manager_get",
        0.8,
        MANAGER_COST,
    );
    rate_target(
        "Pool, one task per message: 0.7 of the pipes' round-trip rate per worker x 2 workers",
        "pool_tiny_1",
        0.7,
        "each worker holds up to 8 tiny chunks and reads all that wait in one go, so it \
         seldom waits for the pool; what is left is the caller's side, one process that \
         sends every task and reads every result for both workers",
    );
    let big = SIZES[3].0;
    let fastest = figures
        .iter()
        .filter(|f| {
            f.group == "throughput"
                && f.id.ends_with(&format!("_{big}"))
                && !is_floor(&f.id)
                // Between processes: threads share their memory.
                && !f.id.starts_with("tp_crossbeam")
        })
        .filter_map(|f| f.rust.as_ref().map(|s| (s.median, f.label.clone())))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let r = fastest.and_then(|(v, label)| {
        let m = find(figures, &format!("tp_memcpy_{big}"))?.median;
        Some((v / m, format!("{:.2} of memcpy ({label})", v / m)))
    });
    let met = r.as_ref().is_some_and(|(v, _)| *v >= 0.5);
    all.push(Target {
        what: "16 MiB one-way between processes, fastest path: half of memcpy's bandwidth or more",
        why: (!met && r.is_some()).then(|| {
            "every path copies at least once; memcpy is one copy with nothing else".into()
        }),
        measured: r,
        met,
    });
    let r = find(figures, "pool_speedup_2").map(|s| (s.median, format!("{:.2}x", s.median)));
    let met = r.as_ref().is_some_and(|(v, _)| *v >= 1.9);
    all.push(Target {
        what: "Pool.map, CPU-bound, 2 workers over 1: 1.9x or more",
        why: (!met && r.is_some()).then(|| {
            "2 is the ceiling on 2 cores, and only when nothing else runs: the range shows \
             how much of the second core other tenants took"
                .into()
        }),
        measured: r,
        met,
    });
    let mut md = String::from(
        "### Against the targets\n\nEach target is judged against its floor, from this run's figures.\n\n\
         | target | measured | verdict |\n|---|---|---|\n",
    );
    for t in all {
        let verdict = match (&t.measured, t.met, &t.why) {
            (None, _, _) => "not measured in this run".to_string(),
            (Some(_), true, _) => "met".to_string(),
            (Some(_), false, Some(why)) => format!("missed: {why}"),
            (Some(_), false, None) => "missed".to_string(),
        };
        let measured = t.measured.map_or("–".into(), |(_, text)| text);
        let _ = writeln!(md, "| {} | {measured} | {verdict} |", t.what);
    }
    md.push('\n');
    md
}

// ---------------------------------------------------------------------------
// Charts, written as plain SVG.

const RUST: &str = "#b7410e";
const PYTHON: &str = "#3572a5";
const FLOOR: &str = "#999999";

/// What a Python twin is called in a chart: mpi4py's twins of rsmpi by
/// name, the others as "(Python)".
fn python_label(label: &str) -> String {
    if label.contains("rsmpi") {
        label
            .replace("rsmpi + serde", "mpi4py, pickled")
            .replace("rsmpi", "mpi4py")
    } else {
        format!("{label} (Python)")
    }
}

/// A decade's label on an axis: short, so that it fits the margin.
fn tick(unit: Unit, v: f64) -> String {
    let scaled = |v: f64, units: &[(f64, &str)]| {
        let (div, name) = units
            .iter()
            .rev()
            .find(|(d, _)| v >= *d * 0.999)
            .copied()
            .unwrap_or(units[0]);
        let n = v / div;
        if n >= 1.0 {
            format!("{n:.0} {name}")
        } else {
            format!("{n} {name}")
        }
    };
    match unit {
        Unit::Seconds => scaled(v, &[(1e-9, "ns"), (1e-6, "µs"), (1e-3, "ms"), (1.0, "s")]),
        Unit::BytesPerSecond => scaled(
            v,
            &[
                (1.0, "B/s"),
                (1e3, "kB/s"),
                (1e6, "MB/s"),
                (1e9, "GB/s"),
                (1e12, "TB/s"),
            ],
        ),
        Unit::PerSecond => scaled(v, &[(1.0, "/s"), (1e3, "k/s"), (1e6, "M/s"), (1e9, "G/s")]),
        Unit::Ratio => format!("{v}x"),
    }
}

fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A horizontal bar chart on a logarithmic axis.
fn bars(title: &str, unit: Unit, rows: &[(String, f64, &str)]) -> String {
    let (left, width, bar, gap) = (330.0, 420.0, 16.0, 6.0);
    let height = 50.0 + rows.len() as f64 * (bar + gap) + 30.0;
    let values: Vec<f64> = rows.iter().map(|r| r.1).filter(|v| *v > 0.0).collect();
    let lo = values
        .iter()
        .cloned()
        .fold(f64::MAX, f64::min)
        .log10()
        .floor();
    let hi = values
        .iter()
        .cloned()
        .fold(f64::MIN, f64::max)
        .log10()
        .ceil()
        .max(lo + 1.0);
    let x = |v: f64| left + (v.log10() - lo) / (hi - lo) * width;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{height}\" viewBox=\"0 0 {w} {height}\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">{}</text>\n",
        esc(title),
        w = left + width + 110.0
    );
    for decade in (lo as i32)..=(hi as i32) {
        let v = 10f64.powi(decade);
        let _ = writeln!(
            s,
            "<line x1=\"{0:.1}\" y1=\"35\" x2=\"{0:.1}\" y2=\"{1:.1}\" stroke=\"#ddd\"/><text x=\"{0:.1}\" y=\"{2:.1}\" text-anchor=\"middle\" fill=\"#666\">{3}</text>",
            x(v),
            height - 25.0,
            height - 10.0,
            esc(&tick(unit, v))
        );
    }
    for (i, (label, v, color)) in rows.iter().enumerate() {
        let y = 40.0 + i as f64 * (bar + gap);
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text><rect x=\"{left}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{bar}\" fill=\"{color}\"/><text x=\"{:.1}\" y=\"{:.1}\" fill=\"#333\">{}</text>",
            left - 6.0,
            y + 12.0,
            esc(label),
            (x(*v) - left).max(1.0),
            x(*v) + 4.0,
            y + 12.0,
            esc(&show(unit, *v))
        );
    }
    s.push_str("</svg>\n");
    s
}

/// Lines of throughput against message size.
fn lines(title: &str, series: &[(String, Vec<f64>, String)]) -> String {
    let (left, top, width, height) = (90.0, 40.0, 460.0, 300.0);
    let all: Vec<f64> = series
        .iter()
        .flat_map(|s| s.1.iter().cloned())
        .filter(|v| *v > 0.0)
        .collect();
    let lo = all.iter().cloned().fold(f64::MAX, f64::min).log10().floor();
    let hi = all
        .iter()
        .cloned()
        .fold(f64::MIN, f64::max)
        .log10()
        .ceil()
        .max(lo + 1.0);
    let y = |v: f64| top + height - (v.log10() - lo) / (hi - lo) * height;
    let x = |i: usize| left + 30.0 + i as f64 * (width - 60.0) / (SIZES.len() - 1) as f64;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"860\" height=\"{}\" viewBox=\"0 0 860 {}\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">{}</text>\n",
        top + height + 50.0,
        top + height + 50.0,
        esc(title)
    );
    for decade in (lo as i32)..=(hi as i32) {
        let v = 10f64.powi(decade);
        let _ = writeln!(
            s,
            "<line x1=\"{left}\" y1=\"{0:.1}\" x2=\"{1}\" y2=\"{0:.1}\" stroke=\"#ddd\"/><text x=\"{2}\" y=\"{3:.1}\" text-anchor=\"end\" fill=\"#666\">{4}</text>",
            y(v),
            left + width,
            left - 6.0,
            y(v) + 4.0,
            esc(&tick(Unit::BytesPerSecond, v))
        );
    }
    for (i, (_, name)) in SIZES.iter().enumerate() {
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#666\">{name}</text>",
            x(i),
            top + height + 20.0
        );
    }
    for (k, (name, values, color)) in series.iter().enumerate() {
        let points: Vec<String> = values
            .iter()
            .enumerate()
            .filter(|(_, v)| **v > 0.0)
            .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v)))
            .collect();
        // Floors and references dashed: what the others are measured against.
        let dash = if name.starts_with("floor") || name.starts_with("reference") {
            " stroke-dasharray=\"6 4\""
        } else if name.ends_with("(Python)") || name.contains("mpi4py") {
            " stroke-dasharray=\"2 3\""
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"{dash} points=\"{}\"/>",
            points.join(" ")
        );
        let ly = top + 10.0 + k as f64 * 18.0;
        let _ = writeln!(
            s,
            "<line x1=\"{0}\" y1=\"{1:.1}\" x2=\"{2}\" y2=\"{1:.1}\" stroke=\"{color}\" stroke-width=\"3\"{dash}/><text x=\"{3}\" y=\"{4:.1}\">{5}</text>",
            left + width + 20.0,
            ly,
            left + width + 40.0,
            left + width + 46.0,
            ly + 4.0,
            esc(name)
        );
    }
    s.push_str("</svg>\n");
    s
}

/// One panel of the scaling chart: a figure per setting, joined by a line,
/// each point labelled; `ideal` is drawn dashed grey beside it, and a
/// vertical mark goes after setting `mark_after` (ranks beyond the cores).
struct Panel<'a> {
    title: &'a str,
    unit: Unit,
    log: bool,
    xs: Vec<String>,
    ys: Vec<f64>,
    ideal: Option<Vec<f64>>,
    mark_after: Option<(usize, &'a str)>,
}

fn panel(x0: f64, p: &Panel) -> String {
    let (top, w, h) = (60.0, 230.0, 220.0);
    let mut values: Vec<f64> = p.ys.iter().copied().filter(|v| *v > 0.0).collect();
    if values.is_empty() {
        return format!(
            "<text x=\"{:.1}\" y=\"45\" text-anchor=\"middle\" font-weight=\"bold\">{}</text>\n\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#666\">not measured in this run</text>\n",
            x0 + w / 2.0,
            esc(p.title),
            x0 + w / 2.0,
            top + h / 2.0
        );
    }
    values.extend(p.ideal.iter().flatten().copied());
    let max = values.iter().copied().fold(f64::MIN, f64::max);
    let min = values.iter().copied().fold(f64::MAX, f64::min);
    let (lo, hi) = if p.log {
        let lo = min.log10().floor();
        (lo, max.log10().ceil().max(lo + 1.0))
    } else {
        (0.0, max * 1.15)
    };
    let y = |v: f64| {
        let t = if p.log {
            (v.log10() - lo) / (hi - lo)
        } else {
            v / hi
        };
        top + h - t * h
    };
    let n = p.xs.len().max(2);
    let x = |i: usize| x0 + 20.0 + i as f64 * (w - 40.0) / (n - 1) as f64;
    let mut s = format!(
        "<text x=\"{:.1}\" y=\"45\" text-anchor=\"middle\" font-weight=\"bold\">{}</text>\n\
         <line x1=\"{x0}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#999\"/>\n",
        x0 + w / 2.0,
        esc(p.title),
        top + h,
        x0 + w,
        top + h
    );
    if p.log {
        for d in (lo as i32)..=(hi as i32) {
            let v = 10f64.powi(d);
            let _ = writeln!(
                s,
                "<line x1=\"{x0}\" y1=\"{0:.1}\" x2=\"{1:.1}\" y2=\"{0:.1}\" stroke=\"#eee\"/><text x=\"{2:.1}\" y=\"{3:.1}\" text-anchor=\"end\" fill=\"#666\" font-size=\"10\">{4}</text>",
                y(v),
                x0 + w,
                x0 - 4.0,
                y(v) + 3.0,
                esc(&tick(p.unit, v))
            );
        }
    }
    for (i, label) in p.xs.iter().enumerate() {
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#666\">{}</text>",
            x(i),
            top + h + 16.0,
            esc(label)
        );
    }
    if let Some((after, text)) = p.mark_after.filter(|(a, _)| a + 1 < p.xs.len()) {
        let mx = (x(after) + x(after + 1)) / 2.0;
        let _ = writeln!(
            s,
            "<line x1=\"{mx:.1}\" y1=\"{top}\" x2=\"{mx:.1}\" y2=\"{:.1}\" stroke=\"#c00\" stroke-dasharray=\"4 3\"/><text x=\"{:.1}\" y=\"{:.1}\" fill=\"#c00\" font-size=\"10\">{}</text>",
            top + h,
            mx + 3.0,
            top + 10.0,
            esc(text)
        );
    }
    if let Some(ideal) = &p.ideal {
        let points: Vec<String> = ideal
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v)))
            .collect();
        let _ = writeln!(
            s,
            "<polyline fill=\"none\" stroke=\"{FLOOR}\" stroke-width=\"2\" stroke-dasharray=\"6 4\" points=\"{}\"/>",
            points.join(" ")
        );
    }
    let points: Vec<String> =
        p.ys.iter()
            .enumerate()
            .filter(|(_, v)| **v > 0.0)
            .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v)))
            .collect();
    let _ = writeln!(
        s,
        "<polyline fill=\"none\" stroke=\"{RUST}\" stroke-width=\"2\" points=\"{}\"/>",
        points.join(" ")
    );
    for (i, v) in p.ys.iter().enumerate().filter(|(_, v)| **v > 0.0) {
        let _ = writeln!(
            s,
            "<circle cx=\"{0:.1}\" cy=\"{1:.1}\" r=\"3\" fill=\"{RUST}\"/><text x=\"{0:.1}\" y=\"{2:.1}\" text-anchor=\"middle\" font-size=\"10\">{3}</text>",
            x(i),
            y(*v),
            y(*v) - 7.0,
            esc(&show(p.unit, *v))
        );
    }
    s
}

/// The scaling chart: Pool speed-up against workers, queue items per
/// second against producers and consumers, an MPI reduce against ranks.
fn scaling_chart(figures: &[Figure]) -> String {
    let get = |id: String| find(figures, &id).map_or(0.0, |s| s.median);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers = [1usize, 2, 4];
    let one = get("scale_pool_1".into());
    let pool = Panel {
        title: "Pool speed-up against workers",
        unit: Unit::Ratio,
        log: false,
        xs: workers
            .iter()
            .map(|w| format!("{w} worker{}", if *w == 1 { "" } else { "s" }))
            .collect(),
        ys: workers
            .iter()
            .map(|w| {
                if one > 0.0 {
                    get(format!("scale_pool_{w}")) / one
                } else {
                    0.0
                }
            })
            .collect(),
        ideal: Some(workers.iter().map(|w| (*w).min(cores) as f64).collect()),
        mark_after: None,
    };
    let shapes = [(1, 1), (2, 1), (4, 1), (1, 2), (2, 2)];
    let queue = Panel {
        title: "Queue items/s: producers x consumers",
        unit: Unit::PerSecond,
        log: false,
        xs: shapes.iter().map(|(p, c)| format!("{p}x{c}")).collect(),
        ys: shapes
            .iter()
            .map(|(p, c)| get(format!("scale_queue_{p}p{c}c")))
            .collect(),
        ideal: None,
        mark_after: None,
    };
    let ranks = [2usize, 3, 4, 6, 8];
    let mpi = Panel {
        title: "MPI reduce (log) against ranks",
        unit: Unit::Seconds,
        log: true,
        xs: ranks.iter().map(|r| r.to_string()).collect(),
        ys: ranks
            .iter()
            .map(|r| get(format!("scale_mpi_reduce_{r}")))
            .collect(),
        ideal: None,
        mark_after: ranks
            .iter()
            .rposition(|r| *r <= cores)
            .map(|i| (i, "more ranks than cores")),
    };
    let mut s = String::from(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"900\" height=\"320\" viewBox=\"0 0 900 320\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">Scaling (dashed grey: the ideal, one worker per core)</text>\n",
    );
    s.push_str(&panel(50.0, &pool));
    s.push_str(&panel(345.0, &queue));
    s.push_str(&panel(650.0, &mpi));
    s.push_str("</svg>\n");
    s
}

fn charts(dir: &Path, figures: &[Figure]) -> common::Result<()> {
    std::fs::write(dir.join("scaling.svg"), scaling_chart(figures))?;
    for (group, title, file) in [
        (
            "start",
            "Start + join one process (log scale; shorter is better)",
            "start.svg",
        ),
        (
            "rtt",
            "Round trip of 8 bytes (log scale; shorter is better)",
            "rtt.svg",
        ),
    ] {
        let mut rows = Vec::new();
        for f in figures.iter().filter(|f| f.group == group) {
            if let Some(r) = &f.rust {
                if is_floor(&f.id) {
                    rows.push((f.label.clone(), r.median, FLOOR));
                } else {
                    rows.push((format!("{} (Rust)", f.label), r.median, RUST));
                }
            }
            if let Some(p) = &f.python {
                rows.push((python_label(&f.label), p.median, PYTHON));
            }
        }
        if !rows.is_empty() {
            std::fs::write(dir.join(file), bars(title, Unit::Seconds, &rows))?;
        }
    }
    // One colour per mechanism; its Python twin in the same colour, dotted;
    // floors and references grey, dashed.
    let palette = [
        "#b7410e", "#e08a2c", "#6a994e", "#7b2cbf", "#222222", "#1b998b", "#3572a5", "#d62728",
    ];
    let greys = ["#999999", "#666666", "#bbbbbb"];
    let mut series = Vec::new();
    let mut mechanisms: Vec<(String, String)> = Vec::new();
    for f in figures.iter().filter(|f| f.group == "throughput") {
        let base = f.id.rsplit_once('_').map_or(f.id.as_str(), |(b, _)| b);
        if !mechanisms.iter().any(|(b, _)| b == base) {
            let name = f
                .label
                .rsplit_once(", ")
                .map_or(f.label.clone(), |(n, _)| n.to_string());
            mechanisms.push((base.to_string(), name));
        }
    }
    let (mut colour, mut grey) = (0, 0);
    for (base, name) in &mechanisms {
        let rust: Vec<f64> = SIZES
            .iter()
            .map(|(size, _)| find(figures, &format!("{base}_{size}")).map_or(0.0, |s| s.median))
            .collect();
        if is_floor(&format!("{base}_")) {
            series.push((name.clone(), rust, greys[grey % greys.len()].to_string()));
            grey += 1;
            continue;
        }
        let c = palette[colour % palette.len()].to_string();
        colour += 1;
        series.push((format!("{name} (Rust)"), rust, c.clone()));
        let python: Vec<f64> = SIZES
            .iter()
            .map(|(size, _)| {
                figures
                    .iter()
                    .find(|f| f.id == format!("{base}_{size}"))
                    .and_then(|f| f.python.as_ref())
                    .map_or(0.0, |s| s.median)
            })
            .collect();
        if python.iter().any(|v| *v > 0.0) {
            series.push((python_label(name), python, c));
        }
    }
    if !series.is_empty() {
        std::fs::write(
            dir.join("throughput.svg"),
            lines(
                "One-way throughput by message size (log scale; higher is better)",
                &series,
            ),
        )?;
    }
    Ok(())
}
