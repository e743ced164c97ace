//! `common`'s process layer through cases the recipes do not reach, run in
//! the `process-probe` helper under both start methods; and the leftover
//! check itself, shown to catch what it is meant to catch.

use cookbook_tests::{Outcome, Run, Target};
use nix::sys::signal::Signal;
use std::time::Duration;

use cookbook_tests::METHODS;

fn probe(case: &str, method: &str) -> Outcome {
    Run::probe(case, method).run()
}

#[test]
fn a_panicking_child_exits_1_and_the_parent_carries_on() {
    for method in METHODS {
        let out = probe("panic-child", method);
        out.assert_success();
        assert_eq!(out.lines(), ["exitcode Some(1)"], "{method}");
        assert!(out.stderr.contains("boom in Process-1"), "{}", out.stderr);
    }
}

#[test]
fn exit_codes_follow_python() {
    for method in METHODS {
        let out = probe("exit-codes", method);
        out.assert_success();
        let lines = out.lines();
        assert!(lines[0].starts_with("Process-1 Some(0) <Process name='Process-1' pid="));
        assert!(lines[0].ends_with(" stopped exitcode=0>"), "{}", lines[0]);
        assert!(lines[1].starts_with("Process-2 Some(7) "), "{}", lines[1]);
        assert!(lines[2].starts_with("Process-3 Some(1) "), "{}", lines[2]);
        assert!(
            lines[3].ends_with(" stopped exitcode=-SIGKILL>"),
            "{}",
            lines[3]
        );
        assert!(lines[3].starts_with("Process-4 Some(-9) "), "{}", lines[3]);
        assert!(
            lines[4].ends_with(" stopped exitcode=-SIGTERM>"),
            "{}",
            lines[4]
        );
        assert!(
            out.stderr
                .contains("Process Process-3: error: it went wrong")
        );
    }
}

#[test]
fn default_names_nest_like_pythons() {
    for method in METHODS {
        let out = probe("grandchildren", method);
        out.assert_success();
        let names: Vec<&str> = out
            .lines()
            .iter()
            .map(|l| l.split(' ').next().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "MainProcess",
                "Process-1",
                "Process-1:1",
                "Process-1:2",
                "Process-2",
                "Process-2:1",
                "Process-2:2"
            ],
            "{method}"
        );
        // Each grandchild's parent is the child that started it.
        let pid_of = |line: &str| line.rsplit('=').next().unwrap().to_string();
        let lines = out.lines();
        let main_pid = pid_of(lines[0]);
        assert_eq!(pid_of(lines[1]), main_pid);
        assert_eq!(pid_of(lines[2]), pid_of(lines[3]));
        assert_ne!(pid_of(lines[2]), main_pid);
    }
}

#[test]
fn join_with_a_timeout_returns_while_the_child_runs() {
    for method in METHODS {
        let out = probe("join-timeout", method);
        out.assert_success();
        assert_eq!(
            out.lines(),
            [
                "alive after timeout: true",
                "waited enough: true",
                "exitcode Some(-15)"
            ],
            "{method}"
        );
    }
}

#[test]
fn active_children_lists_only_running_ones() {
    for method in METHODS {
        let out = probe("active-children", method);
        out.assert_success();
        assert_eq!(
            out.lines(),
            ["active: [\"sleeper\"]", "active after kill: []"]
        );
    }
}

#[test]
fn large_arguments_arrive_intact() {
    for method in METHODS {
        let out = probe("big-args", method);
        out.assert_success();
        let lines = out.lines();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!(lines[0], lines[1], "{method}");
    }
}

#[test]
fn fork_is_refused_when_the_parent_has_threads() {
    let out = probe("fork-with-threads", "fork");
    assert_eq!(out.code(), 2);
    assert_eq!(
        out.stderr.trim(),
        "error: the fork start method needs a single-threaded parent, and this process has 2 threads; use --start-method spawn"
    );
    out.assert_clean();
    // The same program is fine with spawn.
    let out = probe("fork-with-threads", "spawn");
    out.assert_success();
    assert_eq!(out.lines(), ["child ran"]);
}

#[test]
fn a_panicking_parent_still_joins_its_children() {
    for method in METHODS {
        let out = probe("parent-panics", method);
        assert_eq!(out.code(), 101, "{method}");
        assert_eq!(out.lines(), ["child finished"], "{method}");
        out.assert_clean();
    }
}

#[test]
fn a_process_cannot_start_twice() {
    let out = probe("start-twice", "spawn");
    assert_eq!(out.code(), 1);
    assert_eq!(out.stderr.trim(), "error: cannot start a process twice");
    out.assert_clean();
}

#[test]
fn children_die_with_a_killed_parent() {
    for method in METHODS {
        // Both children sleep 3 s; the parent is SIGKILLed once they have started.
        // The reference: the whole run, children included, without its sleeps.
        let overhead = Run::recipe("name").start_method(method).overhead();
        let out = Run::recipe("name")
            .time_scale(1.0)
            .start_method(method)
            .signal_on("^Starting Process-2$", Signal::SIGKILL, Target::Parent)
            .run();
        assert_eq!(out.code(), -9, "{method}");
        out.assert_clean();
        assert!(!out.stdout.contains("Exiting"), "{method}: {}", out.stdout);
        // Gone at once, well before their 3 s sleeps would have ended.
        assert!(
            out.elapsed < overhead + Duration::from_secs(2),
            "{:?} (the run without sleeps: {overhead:?})",
            out.elapsed
        );
    }
}

#[test]
fn ctrl_c_leaves_nothing_behind() {
    for method in METHODS {
        // The reference: the whole run, children included, without its sleeps.
        let overhead = Run::recipe("name").start_method(method).overhead();
        let out = Run::recipe("name")
            .time_scale(1.0)
            .start_method(method)
            .signal_on("^Starting Process-2$", Signal::SIGINT, Target::Group)
            .run();
        assert_eq!(out.code(), -2, "{method}");
        out.assert_clean();
        // Gone at once, well before their 3 s sleeps would have ended.
        assert!(
            out.elapsed < overhead + Duration::from_secs(2),
            "{:?} (the run without sleeps: {overhead:?})",
            out.elapsed
        );
    }
}

#[test]
fn the_leftover_check_catches_an_orphan() {
    let out = probe("leave-orphan", "spawn");
    assert_eq!(out.code(), 0);
    assert_eq!(out.leftovers.len(), 1, "{:?}", out.leftovers);
    assert_eq!(out.leftovers[0].command, "sleep");
}

#[test]
fn the_leftover_check_catches_a_zombie() {
    let out = probe("leave-zombie", "spawn");
    assert_eq!(out.code(), 0);
    assert_eq!(out.leftovers.len(), 1, "{:?}", out.leftovers);
    assert_eq!(out.leftovers[0].state, 'Z');
}
