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
        Unit::PerSecond => format!("{:.0} k/s", v / 1e3),
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

const GROUPS: [(&str, &str); 6] = [
    ("start", "Starting and joining one process"),
    ("rtt", "Round trip of an 8-byte message"),
    ("throughput", "One-way throughput"),
    ("items", "Many small operations"),
    ("pool", "Process pool"),
    ("collectives", "MPI collectives"),
];

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
            "mpi4py is not installed here, so the MPI cases have no Python column."
        }
    );
    let _ = writeln!(
        md,
        "Machine: {} cores; {}.\n",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        kernel()
    );
    for (group, title) in GROUPS {
        let rows: Vec<&Figure> = figures.iter().filter(|f| f.group == group).collect();
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(md, "### {title}\n");
        let _ = writeln!(
            md,
            "| case | Rust | Python | Rust vs Python |\n|---|---|---|---|"
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
            let _ = writeln!(
                md,
                "| {label} | {} | {} | {vs} |",
                cell(f.unit, f.rust.as_ref()),
                cell(f.unit, f.python.as_ref())
            );
        }
        md.push('\n');
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

/// The targets of the project, each with what was measured.
fn targets(figures: &[Figure]) -> String {
    let mut md =
        String::from("### Against the targets\n\n| target | measured | met |\n|---|---|---|\n");
    let mut row = |target: &str, measured: Option<(f64, String)>, ok: &dyn Fn(f64) -> bool| {
        let (text, met) = match measured {
            Some((v, text)) => (text, if ok(v) { "yes" } else { "no" }),
            None => ("not measured".to_string(), "–"),
        };
        let _ = writeln!(md, "| {target} | {text} | {met} |");
    };
    // A speed-up is compared with the target of its own below, not with Python's.
    for f in figures.iter().filter(|f| f.unit != Unit::Ratio) {
        if let (Some(r), Some(p)) = (&f.rust, &f.python) {
            let a = advantage(f.unit, r, p);
            row(
                &format!("{}: 10x Python or better", f.label),
                Some((a, format!("{a:.1}x"))),
                &|v| v >= 10.0,
            );
        }
    }
    let ratio = |a: &str, b: &str| Some((find(figures, a)?.median / find(figures, b)?.median, ()));
    let r = ratio("rtt_pipe", "rtt_raw_pipe").map(|(v, ())| (v, format!("{v:.2}x the raw pipe")));
    row(
        "Pipe round trip within 1.2x of the raw pipe floor",
        r,
        &|v| v <= 1.2,
    );
    let r = ratio("rtt_mpi", "rtt_mpich_c").map(|(v, ())| (v, format!("{v:.2}x MPICH's C")));
    row("rsmpi round trip within 1.1x of MPICH's own (C)", r, &|v| {
        v <= 1.1
    });
    let big = SIZES[3].0;
    let fastest = figures
        .iter()
        .filter(|f| {
            f.group == "throughput"
                && f.id.ends_with(&format!("_{big}"))
                && !f.id.starts_with("tp_memcpy")
        })
        .filter_map(|f| f.rust.as_ref().map(|s| (s.median, f.label.clone())))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let r = fastest.and_then(|(v, label)| {
        let m = find(figures, &format!("tp_memcpy_{big}"))?.median;
        Some((v / m, format!("{:.2} of memcpy ({label})", v / m)))
    });
    row(
        "16 MiB messages at half of memcpy's bandwidth or more, fastest path",
        r,
        &|v| v >= 0.5,
    );
    let r = find(figures, "pool_speedup_2").map(|s| (s.median, format!("{:.2}x", s.median)));
    row("Pool.map, CPU-bound, 2 workers: 1.9x or more", r, &|v| {
        v >= 1.9
    });
    md.push('\n');
    md
}

// ---------------------------------------------------------------------------
// Charts, written as plain SVG.

const RUST: &str = "#b7410e";
const PYTHON: &str = "#3572a5";

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
            esc(&show(unit, v))
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
    let (left, top, width, height) = (70.0, 40.0, 480.0, 300.0);
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
            esc(&show(Unit::BytesPerSecond, v))
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
        let _ = writeln!(
            s,
            "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{}\"/>",
            points.join(" ")
        );
        let ly = top + 10.0 + k as f64 * 18.0;
        let _ = writeln!(
            s,
            "<line x1=\"{0}\" y1=\"{1:.1}\" x2=\"{2}\" y2=\"{1:.1}\" stroke=\"{color}\" stroke-width=\"3\"/><text x=\"{3}\" y=\"{4:.1}\">{5}</text>",
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

fn charts(dir: &Path, figures: &[Figure]) -> common::Result<()> {
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
                rows.push((format!("{} (Rust)", f.label), r.median, RUST));
            }
            if let Some(p) = &f.python {
                rows.push((format!("{} (Python)", f.label), p.median, PYTHON));
            }
        }
        if !rows.is_empty() {
            std::fs::write(dir.join(file), bars(title, Unit::Seconds, &rows))?;
        }
    }
    let palette = [
        "#b7410e", "#e08a2c", "#6a994e", "#7b2cbf", "#222222", "#1b998b", "#999999", "#3572a5",
        "#5fa8d3",
    ];
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
    for (k, (base, name)) in mechanisms.iter().enumerate() {
        let rust: Vec<f64> = SIZES
            .iter()
            .map(|(size, _)| find(figures, &format!("{base}_{size}")).map_or(0.0, |s| s.median))
            .collect();
        series.push((
            format!("{name} (Rust)"),
            rust,
            palette[k % palette.len()].to_string(),
        ));
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
            series.push((
                format!("{name} (Python)"),
                python,
                palette[(k + 5) % palette.len()].to_string(),
            ));
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
