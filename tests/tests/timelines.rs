//! `--timeline FILE.svg`: every recipe draws its run, the pictures the
//! book shows have one lane per process of the run, and a recorded run
//! still leaves nothing behind (also on Ctrl-C) and refuses a bad path.

use cookbook_tests::manifest::{self, Recipe};
use cookbook_tests::{Run, Target, workspace_root};
use nix::sys::signal::Signal;
use std::path::PathBuf;
use std::time::Duration;

/// The lanes of a picture: each `<g class="lane">`'s `data-name`.
fn lanes(svg: &str) -> Vec<String> {
    svg.split(r#"<g class="lane" "#)
        .skip(1)
        .map(|g| {
            let name = g.split(r#"data-name=""#).nth(1).unwrap_or("");
            name.split('"').next().unwrap_or("").to_string()
        })
        .collect()
}

/// The group of one lane, as text.
fn lane<'a>(svg: &'a str, name: &str) -> &'a str {
    let start = svg
        .find(&format!(r#"data-name="{name}">"#))
        .unwrap_or_else(|| panic!("no lane {name} in\n{svg}"));
    let rest = &svg[start..];
    &rest[..rest.find("</g>").unwrap_or(rest.len())]
}

/// How many processes each captured run has, counted from the recipes'
/// code (the main process and every child it starts; MPI: the ranks).
fn processes(capture: &str, recipe: &Recipe) -> usize {
    if let Some(np) = recipe.np {
        return np as usize;
    }
    match capture {
        // The main process and five children, one after another or together.
        "spawn" | "spawn-all-first" | "subclass" => 6,
        // Two children.
        "name" | "background" | "queue" | "pipe" => 3,
        // Two children; the resource tracker is forked by hand, not started
        // as a Process, and draws no lane.
        "shared-memory" => 3,
        "kill" => 2,
        // p1 to p4.
        "sync" => 5,
        // The manager's server and ten workers.
        "state" => 12,
        // Four pool workers.
        "pool" => 5,
        other => panic!("no process count for {other}: add it here"),
    }
}

/// A fresh file name for a test's picture, in the test's own temp space,
/// removed when the test is done with it, passed or failed.
fn picture(name: &str) -> Picture {
    Picture(std::env::temp_dir().join(format!(
        "cookbook-timeline-test-{}-{name}.svg",
        std::process::id()
    )))
}

struct Picture(PathBuf);

impl std::ops::Deref for Picture {
    type Target = PathBuf;
    fn deref(&self) -> &PathBuf {
        &self.0
    }
}

impl Drop for Picture {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn take(path: &PathBuf) -> String {
    let svg = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("no picture {}: {e}", path.display()));
    let _ = std::fs::remove_file(path);
    svg
}

#[test]
fn every_page_shows_its_run_and_each_picture_has_a_lane_per_process() {
    for recipe in manifest::load().recipe {
        let page = std::fs::read_to_string(recipe.page()).unwrap();
        let run_section = page
            .split("\n## ")
            .find(|s| s.starts_with("A run"))
            .unwrap_or_else(|| panic!("{}: no \"A run\" section", recipe.name));
        for capture in recipe.captures() {
            let Some(svg_path) = &capture.timeline else {
                continue;
            };
            let file = svg_path.file_name().unwrap().to_str().unwrap();
            let include = format!("{{{{#include ../outputs/{file}}}}}");
            let shown = if capture.name == recipe.name {
                run_section.contains(&include)
            } else {
                page.contains(&include)
            };
            assert!(
                shown,
                "{}: the page does not show {file} (main run: under \"A run\")",
                recipe.name
            );
            let svg = std::fs::read_to_string(svg_path).unwrap_or_else(|e| {
                panic!("{}: {e} (run `cargo xtask outputs`)", svg_path.display())
            });
            assert!(
                !svg.contains("\n\n"),
                "{file}: a blank line ends the page's HTML"
            );
            let names = lanes(&svg);
            assert_eq!(
                names.len(),
                processes(&capture.name, &recipe),
                "{file}: lanes {names:?}"
            );
            if recipe.is_mpi() {
                let ranks: Vec<String> = (0..names.len()).map(|r| format!("process {r}")).collect();
                assert_eq!(names, ranks, "{file}");
            } else {
                assert_eq!(names[0], "MainProcess", "{file}");
            }
        }
    }
}

#[test]
fn kill_draws_the_child_ended_by_sigterm_and_the_signal_sent() {
    let path = picture("kill");
    Run::recipe("kill")
        .time_scale(1.0)
        .args(["--timeline", path.to_str().unwrap()])
        .run_ok();
    let svg = take(&path);
    assert_eq!(lanes(&svg), ["MainProcess", "Process-1"]);
    assert!(lane(&svg, "Process-1").contains("SIGTERM (-15)"), "{svg}");
    assert!(
        lane(&svg, "MainProcess").contains("join Process-1"),
        "{svg}"
    );
    assert!(svg.contains(r#"<g class="signal"><title>SIGTERM sent to Process-1"#));
    // What the parent printed is on its lane, to hover.
    assert!(svg.contains("MainProcess printed: Process exit code: -15"));
}

#[test]
fn queue_draws_an_arrow_per_item_and_the_consumers_naps() {
    let path = picture("queue");
    let out = Run::recipe("queue")
        .args(["--items", "4", "--seed", "1", "--timeline"])
        .args([path.to_str().unwrap()])
        .run_ok();
    let svg = take(&path);
    assert_eq!(lanes(&svg).len(), 3, "{svg}");
    let consumer = lanes(&svg)[2].clone();
    let arrows = svg.matches(r#"<line class="message""#).count();
    assert!(
        svg.matches(&format!("queue: {} to {consumer}", lanes(&svg)[1]))
            .count()
            >= 4,
        "{arrows} arrows in\n{svg}"
    );
    assert!(lane(&svg, &consumer).contains(r#"class="sleeping""#));
    // The output itself is untouched by the recording.
    assert_eq!(
        out.stdout.matches("popped from").count(),
        4,
        "{}",
        out.stdout
    );
}

#[test]
fn every_start_method_gives_the_same_lanes() {
    for method in cookbook_tests::METHODS {
        let path = picture(&format!("spawn-{method}"));
        Run::recipe("spawn")
            .start_method(method)
            .args(["--processes", "3", "--timeline", path.to_str().unwrap()])
            .run_ok();
        let svg = take(&path);
        assert_eq!(
            lanes(&svg),
            ["MainProcess", "Process-1", "Process-2", "Process-3"],
            "{method}"
        );
        assert_eq!(svg.matches("exit 0").count(), 4, "{method}: {svg}");
        assert_eq!(svg.matches(r#"class="print""#).count(), 3, "{method}");
    }
}

#[test]
fn a_deadlock_shows_both_ranks_blocked_in_receive_until_the_watchdog() {
    let path = picture("deadlock");
    let out = Run::recipe("deadlock")
        .args(["--np", "6", "--variant", "recv-first", "--timeout", "1"])
        .args(["--timeline", path.to_str().unwrap()])
        .timeout(Duration::from_secs(60))
        .run();
    assert_ne!(out.code(), 0);
    out.assert_clean();
    let svg = take(&path);
    let names: Vec<String> = (0..6).map(|r| format!("process {r}")).collect();
    assert_eq!(lanes(&svg), names);
    for (me, partner) in [(1, 5), (5, 1)] {
        let g = lane(&svg, &format!("process {me}"));
        assert!(
            g.contains(&format!("blocked in receive from rank {partner}")),
            "{g}"
        );
        assert!(g.contains("exit 3 (watchdog)"), "{g}");
    }
    // Nothing was sent, so no arrow.
    assert!(!svg.contains(r#"<line class="message""#));
}

#[test]
fn an_mpi_exchange_draws_its_messages() {
    let path = picture("deadlock-ok");
    Run::recipe("deadlock")
        .args(["--np", "6", "--timeline", path.to_str().unwrap()])
        .timeout(Duration::from_secs(60))
        .run_ok();
    let svg = take(&path);
    assert_eq!(lanes(&svg).len(), 6);
    assert!(svg.contains("MPI: process 1 to process 5"), "{svg}");
    assert!(svg.contains("MPI: process 5 to process 1"), "{svg}");
    assert!(
        svg.contains("process 5 printed: data received is = a"),
        "{svg}"
    );
}

/// The widths of the waits a lane draws with this title (`blocked in X`).
fn waits_drawn(lane: &str, title: &str) -> Vec<f64> {
    lane.split("<rect ")
        .filter(|r| r.contains(&format!(": {title}</title>")))
        .filter_map(|r| {
            r.split(r#"width=""#)
                .nth(1)?
                .split('"')
                .next()?
                .parse()
                .ok()
        })
        .collect()
}

#[test]
fn mpi_calls_are_drawn_as_waits_without_the_program_naming_them() {
    // Rank 0 comes 300 ms late to a bcast, an allreduce and a barrier, then
    // waits for rank 1's late send: MPI's profiling interface (common's
    // mpi/calls.rs) names each wait; the probe's code names none.
    let path = picture("mpi-calls");
    Run::program(cookbook_tests::bin("mpi-probe"), "mpi-probe")
        .args(["--late", "300", "--timeline", path.to_str().unwrap()])
        .timeout(Duration::from_secs(60))
        .run_ok();
    let svg = take(&path);
    assert_eq!(lanes(&svg), ["process 0", "process 1", "process 2"]);
    // A run of about 1.5 s over some 430 px: 300 ms is tens of pixels.
    let long = |widths: Vec<f64>, what: &str| {
        assert!(
            widths.iter().any(|&w| w >= 20.0),
            "{what}: {widths:?}\n{svg}"
        );
    };
    for rank in [1, 2] {
        let g = lane(&svg, &format!("process {rank}"));
        for call in ["bcast from rank 0", "allreduce", "barrier"] {
            long(waits_drawn(g, &format!("blocked in {call}")), call);
        }
    }
    let root = lane(&svg, "process 0");
    long(
        waits_drawn(root, "blocked in receive from rank 1"),
        "receive",
    );
    assert!(svg.contains("MPI: process 1 to process 0"), "{svg}");
}

#[test]
fn a_recipe_that_names_no_call_still_draws_its_messages() {
    let path = picture("point-to-point");
    Run::recipe("point-to-point")
        .args(["--timeline", path.to_str().unwrap()])
        .timeout(Duration::from_secs(60))
        .run_ok();
    let svg = take(&path);
    assert!(svg.contains("MPI: process 0 to process 4"), "{svg}");
    assert!(svg.contains("MPI: process 1 to process 8"), "{svg}");
}

#[test]
fn ctrl_c_during_a_recorded_run_leaves_nothing_behind() {
    let path = picture("interrupted");
    let out = Run::recipe("queue")
        .time_scale(0.1)
        .args(["--timeline", path.to_str().unwrap()])
        .signal_on("popped from", Signal::SIGINT, Target::Group)
        .run();
    assert_ne!(out.code(), 0, "{}", out.stdout);
    out.assert_clean();
    // Interrupted, it draws nothing: no half picture.
    assert!(!path.exists());
}

#[test]
fn a_bad_timeline_path_is_a_usage_error() {
    for recipe in ["spawn", "hello"] {
        for bad in ["/no/such/folder/run.svg", "run.png"] {
            Run::recipe(recipe)
                .args(["--timeline", bad])
                .run()
                .assert_usage_error();
        }
    }
}

#[test]
fn the_pictures_stay_within_the_page() {
    // The book's text column is 750 px wide; the pictures are drawn for it.
    let outputs = workspace_root().join("book/src/outputs");
    for entry in std::fs::read_dir(outputs).unwrap().flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "svg") {
            let svg = std::fs::read_to_string(&path).unwrap();
            let width: f64 = svg
                .split(r#"width=""#)
                .nth(1)
                .and_then(|w| w.split('"').next())
                .and_then(|w| w.parse().ok())
                .unwrap_or_else(|| panic!("{}: no width", path.display()));
            assert!(width <= 750.0, "{}: {width} px", path.display());
            assert!(svg.contains("max-width:100%"), "{}", path.display());
        }
    }
}
