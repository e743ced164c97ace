//! Synchronisation and shared state: the `sync` and `state` recipes, the
//! other primitives' programs, and the primitives across real processes
//! (through `process-probe`), under both start methods. Every run has a
//! timeout and must leave nothing behind, in `/dev/shm` included.

use cookbook_tests::{Outcome, Run, Target};
use nix::sys::signal::Signal;
use regex::Regex;

use cookbook_tests::METHODS;

/// Runs, and checks that the run added nothing to `/dev/shm`.
fn checked(run: Run) -> Outcome {
    let before = cookbook_tests::dev_shm();
    let out = run.run();
    let added: Vec<String> = cookbook_tests::dev_shm()
        .difference(&before)
        .cloned()
        .collect();
    assert!(
        added.is_empty(),
        "{}: left in /dev/shm: {added:?}",
        out.label
    );
    out.assert_clean();
    out
}

fn run(bin: &str, method: &str, args: &[&str]) -> Outcome {
    let out = checked(Run::recipe(bin).start_method(method).args(args));
    out.assert_success();
    out
}

fn probe(case: &str, method: &str) -> Outcome {
    let out = checked(Run::probe(case, method));
    out.assert_success();
    out
}

/// (process name, seconds since midnight) of each `sync` line.
fn stamps(out: &Outcome) -> Vec<(String, f64)> {
    let line = Regex::new(r"^process (p\d+ - test_with(?:out)?_barrier) ----> \d{4}-\d\d-\d\d (\d\d):(\d\d):(\d\d\.\d{6})$").unwrap();
    out.lines()
        .iter()
        .map(|l| {
            let c = line
                .captures(l)
                .unwrap_or_else(|| panic!("torn or unexpected line: {l:?}"));
            let h: f64 = c[2].parse().unwrap();
            let m: f64 = c[3].parse().unwrap();
            let s: f64 = c[4].parse().unwrap();
            (c[1].to_string(), h * 3600.0 + m * 60.0 + s)
        })
        .collect()
}

#[test]
fn sync_barrier_processes_wait_for_the_late_one() {
    for method in METHODS {
        let run = Run::recipe("sync").args([
            "--start-method",
            method,
            "--late",
            "1",
            "--barrier-processes",
            "3",
        ]);
        // Times are in units of the run's own cost: the last barrier process
        // is late by three times what the whole run takes without the wait
        // (and by 0.3 s at least), so a loaded machine stretches both alike.
        let overhead = run.overhead().as_secs_f64();
        let late = (3.0 * overhead).max(0.3);
        let out = checked(run.time_scale(late));
        out.assert_success();
        let stamps = stamps(&out);
        assert_eq!(stamps.len(), 5, "{method}: {:?}", out.lines());
        let with: Vec<f64> = stamps
            .iter()
            .filter(|(n, _)| n.contains("with_barrier"))
            .map(|s| s.1)
            .collect();
        let without: Vec<f64> = stamps
            .iter()
            .filter(|(n, _)| n.contains("without_barrier"))
            .map(|s| s.1)
            .collect();
        assert_eq!((with.len(), without.len()), (3, 2));
        let first_free = without.iter().cloned().fold(f64::MAX, f64::min);
        for t in &with {
            // Nobody passes the barrier before the late process arrives
            // (the free processes print within the run's overhead).
            assert!(
                t - first_free >= late - overhead,
                "{method}: passed {:.3} s after the start, {late:.3} s late expected (overhead {overhead:.3} s)",
                t - first_free
            );
        }
        let spread = with.iter().cloned().fold(f64::MIN, f64::max)
            - with.iter().cloned().fold(f64::MAX, f64::min);
        assert!(
            spread < late / 2.0,
            "{method}: barrier processes passed {spread:.3} s apart, the late one was {late:.3} s late"
        );
    }
}

#[test]
fn sync_prints_whole_lines_with_the_books_names() {
    for method in METHODS {
        let out = run("sync", method, &[]);
        let mut names: Vec<String> = stamps(&out).into_iter().map(|s| s.0).collect();
        names.sort();
        assert_eq!(
            names,
            [
                "p1 - test_with_barrier",
                "p2 - test_with_barrier",
                "p3 - test_without_barrier",
                "p4 - test_without_barrier"
            ]
        );
    }
}

#[test]
fn the_locked_counter_is_exact() {
    for method in METHODS {
        for (processes, increments) in [("4", "10000"), ("3", "5001")] {
            let out = run(
                "sync-counter",
                method,
                &["--processes", processes, "--increments", increments],
            );
            let expected: u64 =
                processes.parse::<u64>().unwrap() * increments.parse::<u64>().unwrap();
            let lines = out.lines();
            assert_eq!(
                lines[1],
                format!("with the lock: {expected} (expected {expected})"),
                "{method}"
            );
            // Without the lock the total is shown; it may be anything up to the expected one.
            let without: u64 = lines[0].split(' ').nth(3).unwrap().parse().unwrap();
            assert!(without <= expected && lines[0].starts_with("without the lock: "));
        }
    }
}

#[test]
fn rlock_is_reentrant_and_still_excludes_others() {
    for method in METHODS {
        let out = run("sync-rlock", method, &[]);
        assert_eq!(
            out.lines(),
            [
                "updater: holds the lock, and takes it again to log",
                "updater: releases it",
                "waiter: got the lock once the other let go"
            ]
        );
    }
}

#[test]
fn semaphore_lets_at_most_n_in_and_bounded_refuses_extra_releases() {
    for method in METHODS {
        for (slots, workers) in [("2", "6"), ("3", "7"), ("1", "3")] {
            let out = run(
                "sync-semaphore",
                method,
                &["--slots", slots, "--workers", workers],
            );
            let lines = out.lines();
            let most: u32 = lines[lines.len() - 2]
                .split(' ')
                .nth(2)
                .unwrap()
                .parse()
                .unwrap();
            assert!(
                most >= 1 && most <= slots.parse().unwrap(),
                "{method}: {lines:?}"
            );
            assert_eq!(
                lines.iter().filter(|l| l.ends_with(" is in")).count(),
                workers.parse::<usize>().unwrap()
            );
            assert_eq!(
                lines[lines.len() - 1],
                format!(
                    "an extra release is refused: semaphore released too many times (its bound is {slots})"
                )
            );
        }
    }
}

#[test]
fn event_wakes_the_waiter_and_times_out_the_hasty_one() {
    for method in METHODS {
        let out = run("sync-event", method, &[]);
        assert_eq!(
            out.lines(),
            [
                "hasty: gave up waiting, the event is set: false",
                "main: setting the event",
                "patient: the event is set: true"
            ]
        );
    }
}

#[test]
fn condition_hands_one_item_to_each_consumer() {
    for method in METHODS {
        let out = run("sync-condition", method, &["--consumers", "3"]);
        let lines = out.lines();
        assert_eq!(
            lines.iter().filter(|l| **l == "main: made an item").count(),
            3
        );
        assert_eq!(
            lines
                .iter()
                .filter(|l| l.ends_with(" took an item"))
                .count(),
            3
        );
        assert_eq!(lines.last(), Some(&"main: 3 items taken"));
    }
}

fn state_expected(n: i64) -> (Vec<String>, String) {
    let mut keys: Vec<String> = (0..n)
        .map(|i| format!("key = {i} value = {}", i * 2))
        .collect();
    keys.sort();
    let pairs: Vec<String> = (0..n).map(|i| format!("{i}: {}", i * 2)).collect();
    (keys, format!("Results: {{{}}}", pairs.join(", ")))
}

#[test]
fn state_collects_every_pair_in_key_order() {
    for method in METHODS {
        for (args, n) in [
            (vec![], 10),
            (vec!["--processes", "13"], 13),
            (vec!["--shared-array"], 10),
        ] {
            let out = run("state", method, &args);
            let mut lines: Vec<String> = out.lines().iter().map(|l| l.to_string()).collect();
            let last = lines.pop().unwrap();
            lines.sort();
            let (keys, results) = state_expected(n);
            assert_eq!(lines, keys, "{method} {args:?}");
            assert_eq!(last, results, "{method} {args:?}");
        }
    }
}

#[test]
fn a_lock_whose_holder_died_can_be_taken() {
    for method in METHODS {
        let out = probe("lock-owner-dies", method);
        assert_eq!(
            out.lines(),
            [
                "child holds the lock",
                "taken while the child lives: false",
                "taken after the child died: true"
            ]
        );
    }
}

#[test]
fn a_barrier_timeout_breaks_it_for_everyone() {
    for method in METHODS {
        let out = probe("barrier-timeout", method);
        assert_eq!(
            out.lines(),
            [
                "child: timed out waiting at the barrier",
                "main: the barrier is broken (a party timed out or aborted)",
                "later: the barrier is broken (a party timed out or aborted)"
            ],
            "{method}"
        );
    }
}

#[test]
fn manager_lists_collect_from_every_child() {
    for method in METHODS {
        let out = probe("manager-list", method);
        let lines = out.lines();
        assert_eq!(lines[0], "5 items");
        assert_eq!(lines[1..6].len(), 5);
        assert!(lines[1..6].iter().all(|l| l.starts_with("from Process-")));
        assert_eq!(lines[6], "after shutdown: the manager process has ended");
    }
}

#[test]
fn the_manager_cannot_be_reached_from_outside_the_program() {
    for method in METHODS {
        let out = probe("manager-no-address", method);
        assert_eq!(
            out.lines(),
            [
                "manager sockets: 1",
                "listening: 0",
                "with an address: 0",
                "value: Some(2)"
            ],
            "{method}"
        );
    }
}

#[test]
fn killing_or_interrupting_a_run_leaves_no_process_and_no_shared_memory() {
    for method in METHODS {
        for (signal, target) in [
            (Signal::SIGKILL, Target::Parent),
            (Signal::SIGINT, Target::Group),
        ] {
            // A manager and three children using it are running when the signal comes.
            let out = checked(
                Run::probe("manager-sleepers", method)
                    .time_scale(1.0)
                    .signal_on("^ready$", signal, target),
            );
            assert_ne!(out.code(), 0, "{method} {signal:?}");
            let out = checked(
                Run::recipe("sync")
                    .time_scale(1.0)
                    .args(["--start-method", method, "--late", "5"])
                    .signal_on("test_without_barrier", signal, target),
            );
            assert_ne!(out.code(), 0, "{method} {signal:?}");
            assert!(!out.stdout.contains("test_with_barrier"));
        }
    }
}

#[test]
fn a_panicking_child_leaves_no_shared_memory_behind() {
    for method in METHODS {
        // The consumer panics while it holds a queue, which lives in shared memory.
        let out = probe("queue-child-panics", method);
        assert_eq!(
            out.lines(),
            ["consumer exitcode Some(1)", "still usable: 43"],
            "{method}"
        );
    }
}
