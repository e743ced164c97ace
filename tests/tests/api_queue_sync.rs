//! The parts of Python's `multiprocessing` API that `common` added so that
//! programs port line by line: bounded, joinable and simple queues,
//! `get_nowait`/`close`/`cancel_join_thread`; `Lock.locked()` and
//! non-blocking acquires; `Condition.notify(n)` and `wait_for`; a barrier's
//! `n_waiting`, `broken`, `abort`, `reset`, action and default timeout;
//! `RawValue`/`RawArray`. Each runs in the `api-probe-a` helper, across
//! real processes, under both start methods, with a short timeout (a hang
//! fails the test), and must leave nothing behind. Timings are checked both
//! ways: at least the time asked for, and not much more.

use cookbook_tests::{Outcome, Run, bin};
use std::time::Duration;

use cookbook_tests::METHODS;

fn probe(case: &str, method: &str) -> Outcome {
    let out = Run::program(bin("api-probe-a"), "api-probe-a")
        .args([case, method])
        .timeout(Duration::from_secs(20))
        .run();
    out.assert_success();
    out
}

/// The lines starting with `prefix`, sorted (for lines several processes
/// print in no set order).
fn sorted_with<'a>(out: &'a Outcome, prefix: &str) -> Vec<&'a str> {
    let mut lines: Vec<&str> = out
        .lines()
        .into_iter()
        .filter(|l| l.starts_with(prefix))
        .collect();
    lines.sort();
    lines
}

/// The lines not starting with any of `prefixes`, in order.
fn without<'a>(out: &'a Outcome, prefixes: &[&str]) -> Vec<&'a str> {
    out.lines()
        .into_iter()
        .filter(|l| !prefixes.iter().any(|p| l.starts_with(p)))
        .collect()
}

const FULL: &str = "Full: the queue is full (2 items)";

#[test]
fn a_bounded_queue_waits_for_room_and_reports_full_as_python_does() {
    for method in METHODS {
        let out = probe("queue-bounded", method);
        let lines = out.lines();
        let (most, lines) = lines.split_at(11).1.split_first().unwrap();
        assert_eq!(
            &out.lines()[..11],
            [
                "maxsize 0: Usage: a queue's maxsize must be at least 1: use Queue::new() for \
                 an unbounded queue",
                "maxsize: Some(2)",
                "full after 1: false",
                "full after 2: true",
                &format!("put_nowait: {FULL} (prompt: true)"),
                &format!("put_timeout 300 ms: {FULL} (timed: true)"),
                // The failed puts left nothing behind.
                "qsize after the failures: 2",
                // The parent's put returned only once the child took one,
                // and the queue kept its order.
                "child got 1",
                "put waited for the consumer: true",
                "rest: [2, 3]",
                "empty: true, full: false",
            ],
            "{method}"
        );
        // Two producer processes never took it above its bound...
        assert!(
            ["most items seen on it: 1", "most items seen on it: 2"].contains(most),
            "{method}: {most}"
        );
        // ... and each one's items came out in its order.
        assert_eq!(
            lines,
            [
                "from the first: [100, 101, 102, 103, 104]",
                "from the second: [200, 201, 202, 203, 204]"
            ],
            "{method}"
        );
    }
}

#[test]
fn a_putter_killed_while_waiting_for_room_takes_no_lock_and_no_room_with_it() {
    for method in METHODS {
        let out = probe("queue-bounded-killed-putter", method);
        assert_eq!(
            out.lines(),
            ["get: ok 1", "put: ok ()", "full: true", "get: ok 2"],
            "{method}"
        );
    }
}

#[test]
fn get_nowait_raises_empty_and_close_then_join_thread_delivers_everything() {
    for method in METHODS {
        let out = probe("queue-nowait-close", method);
        let closed = "Usage: the queue is closed in this process";
        assert_eq!(
            out.lines(),
            [
                "get_nowait on empty: Timeout: the queue stayed empty (prompt: true)",
                "try_get on empty: ok None",
                &format!("child put after close: {closed}"),
                r#"get_nowait after the child: ["ok 7", "ok 8", "ok 9"]"#,
                "get_nowait once more: Timeout: the queue stayed empty",
                &format!("put after close: {closed}"),
                // A clone in the same process is the same queue object.
                &format!("get after close, other handle: {closed}"),
                "another queue still works: ok 5",
            ],
            "{method}"
        );
    }
}

#[test]
fn cancel_join_thread_lets_a_process_end_with_items_unwritten_and_only_then() {
    for method in METHODS {
        let out = probe("queue-cancel-join-thread", method);
        assert_eq!(
            out.lines(),
            [
                "cancelled child ended within 3 s, nothing read: true",
                "its first item still arrives: true",
                "child that did not cancel still alive after 1 s: true",
                "all 2000 of its items, in order: true; then it ended: true",
            ],
            "{method}"
        );
    }
}

#[test]
fn a_joinable_queue_joins_once_every_task_is_done_in_other_processes() {
    for method in METHODS {
        let out = probe("joinable", method);
        let too_many = "Usage: task_done() called too many times";
        assert_eq!(
            out.lines(),
            [
                "join with nothing put: prompt: true",
                &format!("task_done with nothing put: {too_many}"),
                "join returned after every task was done: true (done 10, waited: true)",
                "qsize after join: 0",
                &format!("one task_done too many: {too_many}"),
                // The error changed nothing: the next round joins too.
                "second round done: 11",
                "worker exit code: Some(0)",
                "worker exit code: Some(0)",
            ],
            "{method}"
        );
    }
}

#[test]
fn a_simple_queue_put_blocks_on_a_full_socket_instead_of_buffering() {
    for method in METHODS {
        let out = probe("simple", method);
        assert_eq!(
            out.lines(),
            [
                "empty at first: true",
                "putter blocked while nobody reads: true",
                "empty while it waits: false",
                "child: all put",
                "got all 2000 in order: true; putter ended: true",
                "empty at the end: true",
                "empty with one: false",
                "get: ok [1]",
                "put after close: Usage: the queue is closed in this process",
            ],
            "{method}"
        );
    }
}

#[test]
fn locked_and_non_blocking_acquires_match_python() {
    for method in METHODS {
        let out = probe("lock-locked", method);
        assert_eq!(
            out.lines(),
            [
                "lock: locked when new: false",
                "lock: locked while a child holds it: true",
                "lock: try_acquire: ok false (prompt: true)",
                "lock: acquire_timeout 300 ms: ok false (timed: true)",
                "lock: try_acquire once free: true, locked: true",
                "lock: locked after release: false",
                "lock: locked after its holder died: true",
                "lock: try_acquire then: OwnerDied",
                "lock: locked after that: false",
                "lock: try_acquire after that: ok true",
                "rlock: taken twice by its holder: true, locked: true",
                "rlock: locked after one release: true",
                "rlock: locked after both: false",
                "rlock: locked while a child holds it: true",
                "rlock: try_acquire: ok false",
                "rlock: acquire_timeout 300 ms: ok false (timed: true)",
                "rlock: locked after the child: false",
            ],
            "{method}"
        );
    }
}

#[test]
fn notify_n_wakes_exactly_n_waiting_processes() {
    for method in METHODS {
        let out = probe("condition-notify-n", method);
        assert_eq!(
            out.lines(),
            [
                "woken by notify(0): 0",
                "woken by notify(2): 2",
                "woken after notify_all: 3"
            ],
            "{method}"
        );
    }
}

#[test]
fn wait_for_checks_first_returns_the_last_value_and_times_out_overall() {
    for method in METHODS {
        let out = probe("condition-wait-for", method);
        assert_eq!(
            out.lines(),
            [
                "already true: ok true after 1 check(s) (prompt: true)",
                "never true, 300 ms: ok false (timed: true, checked again after wake-ups: true)",
                "made true by another process: ok true (after it did: true)",
                "a failing predicate: Failure: predicate failed (prompt: true)",
                "lock free afterwards: true",
            ],
            "{method}"
        );
    }
}

#[test]
fn abort_and_reset_break_waiters_with_broken_barrier_and_reset_makes_it_whole() {
    for method in METHODS {
        let out = probe("barrier-abort-reset", method);
        let aborted = "BrokenBarrier: the barrier is broken (a party timed out or aborted)";
        assert_eq!(
            without(&out, &["Process-"]),
            [
                "Barrier::new(0): Usage: a barrier needs at least 1 party",
                "n_waiting 0, broken false, parties 3",
                "two children waiting: true",
                "broken while they wait: false",
                "waiters told of the abort: true",
                "after abort: broken true, n_waiting 0",
                &format!("wait after abort: {aborted} (prompt: true)"),
                "after reset: broken false",
                "waiting again after reset: true",
                "main passes with them: true",
                "broken at the end: false",
            ],
            "{method}"
        );
        assert_eq!(
            sorted_with(&out, "Process-"),
            [
                format!("Process-1: {aborted}"),
                format!("Process-2: {aborted}"),
                "Process-3 again: true".into(),
                "Process-3: BrokenBarrier: the barrier was reset".into(),
                "Process-4 again: true".into(),
                "Process-4: BrokenBarrier: the barrier was reset".into(),
            ],
            "{method}"
        );
    }
}

#[test]
fn the_action_runs_once_per_round_in_the_last_arrival_before_anyone_goes_on() {
    for method in METHODS {
        let out = probe("barrier-action", method);
        let lines = out.lines();
        // Printed before any party passed, so before every party's line.
        assert_eq!(lines[0], "action ran in MainProcess", "{method}");
        assert_eq!(lines[4], "action ran in Process-2", "{method}");
        let round = |from: usize, n: u32| {
            let mut got = lines[from..from + 3].to_vec();
            got.sort();
            assert_eq!(
                got,
                ["MainProcess", "Process-1", "Process-2"]
                    .map(|name| format!("{name}: round {n} saw {n} action(s)")),
                "{method}"
            );
        };
        round(1, 1);
        round(5, 2);
        assert_eq!(
            &lines[8..],
            [
                "actions in all: 2",
                "child: BrokenBarrier: the barrier is broken (its action panicked)",
                "main, last to arrive: BrokenBarrier: the barrier is broken (its action panicked)",
                "broken after the panic: true",
            ],
            "{method}"
        );
        assert!(out.stderr.contains("the action fails"), "{method}");
    }
}

#[test]
fn a_barrier_default_timeout_breaks_it_and_an_explicit_one_wins() {
    for method in METHODS {
        let out = probe("barrier-timeout", method);
        assert_eq!(
            out.lines(),
            [
                "with_timeout(0 parties): Usage: a barrier needs at least 1 party",
                "alone, wait(None): BrokenBarrier: timed out waiting at the barrier (timed: true)",
                "broken: true",
                "Process-1: BrokenBarrier: the barrier is broken (a party timed out or aborted)",
                "late child: true",
                "wait(Some(5 s)) outlasting the default: true",
            ],
            "{method}"
        );
    }
}

#[test]
fn raw_values_and_arrays_are_shared_without_a_lock_and_never_torn() {
    for method in METHODS {
        let out = probe("raw-values", method);
        assert_eq!(
            out.lines(),
            [
                "unlocked array: [1, 2, 3]",
                "array after the children: [0.5, 1.5, 2.5, 3.5]",
                "value is one child's: true",
                "counted under get_lock: 4000",
                "out of range: Failure: index 4 out of range (length 4)",
                "set out of range: Failure: index 9 out of range (length 4)",
                "still usable: ok 9.0",
                "len 4, empty false",
                "torn reads: 0; saw both writes: true",
            ],
            "{method}"
        );
    }
}
