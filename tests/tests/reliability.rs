//! What `common` must survive: ordinary programs a student could write,
//! and the accidents around them (a process killed while it waits, a full
//! socket, a corrupt header, a thread that ends early). Each case ran into a
//! hang, lost data or a broken queue before `common` was made to hold up;
//! each runs here under both start methods, with a timeout, and must leave
//! nothing behind.

use cookbook_tests::{Outcome, Run, bin};
use std::time::Duration;

use cookbook_tests::METHODS;

/// Runs a `process-probe` case; a hang fails it in 20 seconds.
fn probe(case: &str, method: &str) -> Outcome {
    Run::probe(case, method)
        .timeout(Duration::from_secs(20))
        .run_ok()
}

#[test]
fn a_queue_can_be_filled_before_any_consumer_exists() {
    for method in METHODS {
        let out = probe("queue-fill-then-consume", method);
        assert_eq!(
            out.lines(),
            [
                "put 10100 items before any consumer",
                "small items: 10000, in order: true",
                "64 KiB items: 100, in order and intact: true",
                "consumer exitcode Some(0)",
            ],
            "{method}"
        );
    }
}

#[test]
fn one_process_can_put_a_big_item_and_get_it_back() {
    for method in METHODS {
        let out = probe("queue-put-then-get-big", method);
        assert_eq!(out.lines(), ["same item back: true"], "{method}");
    }
}

#[test]
fn a_consumer_stopped_while_it_waits_takes_nothing_with_it() {
    for method in METHODS {
        let out = probe("queue-consumer-stopped", method);
        assert_eq!(
            out.lines(),
            [
                "terminate: waiting consumer exitcode Some(-15)",
                "next consumer got [1, 2, 3]",
                "terminate: next consumer exitcode Some(0)",
                "kill: waiting consumer exitcode Some(-9)",
                "next consumer got [1, 2, 3]",
                "kill: next consumer exitcode Some(0)",
            ],
            "{method}\n{}",
            out.stderr
        );
    }
}

#[test]
fn a_producer_stopped_with_a_full_socket_leaves_whole_items_and_a_working_queue() {
    for method in METHODS {
        let out = probe("queue-producer-stopped", method);
        assert_eq!(
            out.lines(),
            [
                "producer: put 2000 items",
                "producer exitcode Some(-15)",
                "got the first items, whole and in order: true",
                "still usable: 9999",
            ],
            "{method}\n{}",
            out.stderr
        );
    }
}

#[test]
fn a_producer_ends_only_once_what_it_put_is_read() {
    for method in METHODS {
        let out = probe("queue-exit-flush", method);
        assert_eq!(
            out.lines(),
            [
                "alive after join_timeout(1 s): true",
                "read 1000 items in order: true",
                "then it ended: exitcode Some(0)",
            ],
            "{method}"
        );
    }
}

#[test]
fn two_consumer_processes_racing_get_every_item_exactly_once() {
    for method in METHODS {
        let out = probe("queue-consumers-race", method);
        assert_eq!(
            out.lines(),
            ["every item got exactly once: true"],
            "{method}\n{}",
            out.stderr
        );
    }
}

#[test]
fn consumers_killed_inside_get_neither_double_nor_damage_items() {
    for method in METHODS {
        let out = probe("queue-consumer-killed-in-get", method);
        assert_eq!(
            out.lines(),
            [
                "consumers killed: 4",
                "no item got twice, none damaged: true",
                "lost at most one item per kill: true",
                "still usable: 9999",
            ],
            "{method}\n{}",
            out.stderr
        );
    }
}

#[test]
fn a_producer_killed_while_its_feeder_sends_leaves_a_whole_prefix_and_a_working_queue() {
    for method in METHODS {
        let out = probe("queue-producer-killed-mid-batch", method);
        assert_eq!(
            out.lines(),
            [
                "producer exitcode Some(-9)",
                "got a prefix, whole and in order: true",
                "killed before the end: true",
                "still usable: 9999",
            ],
            "{method}\n{}",
            out.stderr
        );
    }
}

#[test]
fn an_absurd_header_is_an_error_and_breaks_only_that_connection() {
    for method in METHODS {
        let out = probe("pipe-bad-header", method);
        let lines = out.lines();
        assert_eq!(lines.len(), 4, "{method}: {lines:?}\n{}", out.stderr);
        for (i, line) in lines.iter().enumerate() {
            assert!(line.contains("over this process's limit"), "{line}");
            assert_eq!(
                line.contains("this connection is broken"),
                i % 2 == 1,
                "{line}"
            );
        }
    }
}

#[test]
fn threads_sharing_an_end_never_interleave_their_messages() {
    for method in METHODS {
        let out = probe("pipe-writers-take-turns", method);
        assert_eq!(out.lines(), ["whole messages: 80 of 80"], "{method}");
    }
}

#[test]
fn poll_on_an_end_that_only_sends_is_an_error() {
    for method in METHODS {
        let out = probe("pipe-poll-sending-end", method);
        assert_eq!(
            out.lines(),
            ["poll on the sending end: error: this end of the pipe only sends"],
            "{method}"
        );
    }
}

#[test]
fn a_child_outlives_the_short_thread_that_started_it() {
    for method in ["spawn", "forkserver"] {
        let out = probe("start-from-short-thread", method);
        assert_eq!(
            out.lines(),
            [
                "child: still alive after its starting thread ended",
                "child exitcode Some(0)",
            ],
            "{method}"
        );
    }
    // Under fork a second thread is refused, as ever.
    let out = probe("start-from-short-thread", "fork");
    assert!(
        out.stdout.contains("needs a single-threaded parent"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_grandchild_does_not_inherit_the_descriptors_a_child_was_given() {
    for method in METHODS {
        let out = probe("grandchild-fds", method);
        assert_eq!(
            out.lines(),
            ["end of file while the grandchild runs: true"],
            "{method}"
        );
    }
}

#[test]
fn a_child_holds_only_the_descriptors_it_was_given() {
    for method in METHODS {
        let out = probe("inherited-fds", method);
        assert_eq!(out.lines(), ["pipes the child holds: 0"], "{method}");
    }
}

#[test]
fn finished_children_are_reaped_by_the_next_start() {
    for method in METHODS {
        let out = probe("reap-on-start", method);
        // The fork server reaps its children itself: none is ever ours.
        let before = method != "forkserver";
        assert_eq!(
            out.lines(),
            [
                format!("a zombie before the next start: {before}").as_str(),
                "zombies after it: 0"
            ],
            "{method}"
        );
    }
}

#[test]
fn the_program_ends_while_a_thread_waits_in_join() {
    for method in METHODS {
        let out = probe("exit-while-joining", method);
        assert_eq!(
            out.lines(),
            ["main: ending with a thread in join"],
            "{method}"
        );
    }
}

#[test]
fn starting_a_process_before_common_main_is_one_clear_error() {
    for method in METHODS {
        let out = Run::program(bin("no-main-probe"), "no-main-probe")
            .args([method])
            .timeout(Duration::from_secs(10))
            .run();
        out.assert_clean();
        assert_eq!(out.code(), 1, "{method}: {}", out.stderr);
        assert_eq!(out.lines(), ["main starts a process"], "{method}");
        let errors: Vec<&str> = out.stderr.lines().collect();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].starts_with("error: a process was started before common::main"),
            "{}",
            errors[0]
        );
    }
}

#[test]
fn an_mpi_recipe_under_a_launcher_it_cannot_see_does_not_relaunch_itself() {
    // A "launcher" that runs the program without telling it its rank.
    let dir = std::env::temp_dir().join(format!("cookbook-fake-mpiexec-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Removed however the test ends, a timed-out run included.
    struct RemoveOnDrop(std::path::PathBuf);
    impl Drop for RemoveOnDrop {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
    let _cleanup = RemoveOnDrop(dir.clone());
    let script = dir.join("fake-mpiexec");
    std::fs::write(
        &script,
        "#!/bin/sh\n# -n N program args...\nshift 2\nexec \"$@\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let out = Run::recipe("hello")
        .env("MPIEXEC", script.to_str().unwrap())
        .timeout(Duration::from_secs(10))
        .run();
    out.assert_usage_error();
    assert!(
        out.stderr
            .contains("finds none of the variables an MPI launcher sets"),
        "{}",
        out.stderr
    );
}
