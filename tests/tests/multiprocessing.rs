//! The multiprocessing recipes, each under both start methods: what they
//! print, and the property behind it. Every run has a timeout and must
//! leave no process behind (see `cookbook_tests::Run`).

use cookbook_tests::{Outcome, Run};
use std::time::Duration;

use cookbook_tests::METHODS;

fn run(recipe: &str, method: &str, args: &[&str]) -> Outcome {
    Run::recipe(recipe).start_method(method).args(args).run_ok()
}

#[test]
fn spawn_runs_children_one_after_another() {
    for method in METHODS {
        let out = run("spawn", method, &[]);
        let expected: Vec<String> = (0..5)
            .map(|i| format!("called function in process: {i}"))
            .collect();
        assert_eq!(out.lines(), expected, "{method}");

        let out = run("spawn", method, &["--processes", "12"]);
        assert_eq!(out.lines().len(), 12, "{method}");
        assert_eq!(out.lines()[11], "called function in process: 11");
    }
}

#[test]
fn spawn_second_edition_counts_up_in_each_child() {
    for method in METHODS {
        let out = run("spawn", method, &["--edition", "2"]);
        let mut expected = Vec::new();
        for i in 0..6 {
            expected.push(format!("calling myFunc from process n°: {i}"));
            expected.extend((0..i).map(|j| format!("output from myFunc is :{j}")));
        }
        assert_eq!(out.lines(), expected, "{method}");
    }
}

#[test]
fn name_is_seen_from_inside_the_child_and_defaults_count_up() {
    for method in METHODS {
        let out = run("name", method, &[]);
        let lines = out.lines();
        assert_eq!(lines.len(), 4, "{method}: {lines:?}");
        for name in ["foo_process", "Process-2"] {
            let start = lines.iter().position(|l| *l == format!("Starting {name}"));
            let exit = lines.iter().position(|l| *l == format!("Exiting {name}"));
            assert!(start < exit && start.is_some(), "{method}: {lines:?}");
        }

        let out = run("name", method, &["--name", "worker"]);
        assert!(out.lines().contains(&"Exiting worker"), "{method}");
        assert!(out.lines().contains(&"Exiting Process-2"), "{method}");
    }
}

#[test]
fn name_children_run_at_the_same_time() {
    // Both sleep 3 book-seconds (1.5 s here): run concurrently, the recipe
    // takes its overhead and one sleep; one after another, two sleeps.
    let run = Run::recipe("name");
    let overhead = run.overhead();
    let sleep = Duration::from_secs_f64(3.0 * 0.5);
    let out = run.time_scale(0.5).run();
    out.assert_success();
    assert!(
        out.elapsed < overhead + sleep.mul_f64(1.5),
        "{:?} for two sleeps of {sleep:?} (the run without them: {overhead:?})",
        out.elapsed
    );
}

#[test]
fn background_daemon_is_terminated_and_the_other_is_waited_for() {
    for method in METHODS {
        // Real pacing: the daemon sleeps a full second, far longer than main
        // takes to end, so its `Exiting` line cannot legitimately appear.
        let out = Run::recipe("background")
            .time_scale(1.0)
            .start_method(method)
            .run();
        out.assert_success();
        let lines = out.lines();
        // The daemon may print these before it is terminated; the rest is fixed.
        let daemon_may_print = [
            "Starting background_process",
            "---> 0",
            "---> 1",
            "---> 2",
            "---> 3",
            "---> 4",
        ];
        let mine: Vec<&str> = lines
            .iter()
            .copied()
            .filter(|l| !daemon_may_print.contains(l))
            .collect();
        assert_eq!(
            mine,
            [
                "Starting NO_background_process",
                "---> 5",
                "---> 6",
                "---> 7",
                "---> 8",
                "---> 9",
                "Exiting NO_background_process"
            ],
            "{method}: {lines:?}"
        );
        assert!(
            !out.stdout.contains("Exiting background_process"),
            "{method}"
        );
        // main waited for the non-daemon's second of sleep.
        assert!(out.elapsed >= Duration::from_secs(1), "{:?}", out.elapsed);
    }
}

#[test]
fn background_joined_daemon_finishes_and_may_not_have_children() {
    for method in METHODS {
        let out = run("background", method, &["--join", "--daemon-child"]);
        let lines = out.lines();
        assert!(
            lines.contains(&"background_process cannot start a child: daemonic processes are not allowed to have children"),
            "{method}: {lines:?}"
        );
        assert!(lines.contains(&"Exiting background_process"), "{method}");
        assert!(lines.contains(&"Exiting NO_background_process"), "{method}");
    }
}

#[test]
fn kill_reports_the_state_and_exit_code_minus_the_signal() {
    for method in METHODS {
        for (flag, code, name) in [(None, -15, "SIGTERM"), (Some("--sigkill"), -9, "SIGKILL")] {
            let out = run("kill", method, flag.as_slice());
            let lines: Vec<&str> = out
                .lines()
                .into_iter()
                .filter(|l| *l != "Starting function")
                .collect();
            assert_eq!(lines.len(), 5, "{method}: {lines:?}");
            assert!(
                lines[0].starts_with("Process before execution: <Process name='Process-1' parent=")
                    && lines[0].ends_with(" initial> False"),
                "{}",
                lines[0]
            );
            assert!(lines[1].starts_with("Process running: <Process name='Process-1' pid="));
            assert!(lines[1].ends_with(" started> True"), "{}", lines[1]);
            // Just after the signal, the child may or may not have been reaped yet.
            assert!(
                lines[2].ends_with(" started> True")
                    || lines[2].ends_with(&format!(" stopped exitcode=-{name}> False")),
                "{}",
                lines[2]
            );
            assert!(
                lines[3].ends_with(&format!(" stopped exitcode=-{name}> False")),
                "{}",
                lines[3]
            );
            assert_eq!(lines[4], format!("Process exit code: {code}"));
            assert!(!out.stdout.contains("Finished function"), "{method}");
        }
    }
}

#[test]
fn subclass_names_come_from_the_type() {
    for method in METHODS {
        let out = run("subclass", method, &[]);
        let expected: Vec<String> = (1..=5)
            .map(|i| format!("called run method in process: MyProcess-{i}"))
            .collect();
        assert_eq!(out.lines(), expected, "{method}");

        let out = run("subclass", method, &["--processes", "10"]);
        assert_eq!(
            out.lines().last(),
            Some(&"called run method in process: MyProcess-10")
        );
    }
}
