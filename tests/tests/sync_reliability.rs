//! The synchronisation primitives when a process using them is SIGKILLed
//! at the worst moment, and under a race at a bounded semaphore's bound:
//! the `sync-probe` helper's cases, under both start methods. Every run has
//! a short timeout (a hang fails the test) and must leave nothing behind.

use cookbook_tests::{Outcome, Run, bin};
use std::time::Duration;

use cookbook_tests::METHODS;

fn probe(case: &str, method: &str) -> Outcome {
    let out = Run::program(bin("sync-probe"), "sync-probe")
        .args([case, method])
        .timeout(Duration::from_secs(20))
        .run();
    out.assert_success();
    out
}

#[test]
fn an_event_waiter_killed_while_waiting_does_not_stop_later_wake_ups() {
    for method in METHODS {
        let out = probe("event-killed-waiter", method);
        assert_eq!(
            out.lines(),
            [
                "second waiter woke: true",
                "second waiter exit code: Some(0)"
            ],
            "{method}"
        );
    }
}

#[test]
fn a_condition_waiter_killed_while_waiting_does_not_stop_notify() {
    for method in METHODS {
        let out = probe("condition-killed-waiter", method);
        assert_eq!(
            out.lines(),
            [
                "notify woke the waiter: true",
                "notify_all woke both waiters: true"
            ],
            "{method}"
        );
    }
}

/// What the parent printed last, and each survivor's line, sorted.
fn barrier_lines(out: &Outcome) -> Vec<&str> {
    let mut lines = out.lines();
    lines.sort();
    lines
}

#[test]
fn a_party_killed_between_rounds_breaks_the_barrier_for_the_others() {
    for method in METHODS {
        let out = probe("barrier-killed-between-rounds", method);
        let lines = barrier_lines(&out);
        assert_eq!(lines.len(), 4, "{method}: {lines:?}");
        for (line, name) in lines[..2].iter().zip(["Process-1", "Process-2"]) {
            assert!(
                line.starts_with(&format!("{name}: the barrier is broken (party "))
                    && line.ends_with(" died)"),
                "{method}: {line}"
            );
        }
        assert_eq!(lines[2], "barrier broken for later: true", "{method}");
        assert_eq!(lines[3], "survivors told within 3 s: true (promptly)");
    }
}

#[test]
fn a_party_killed_while_waiting_breaks_the_barrier_for_the_others() {
    for method in METHODS {
        let out = probe("barrier-killed-while-waiting", method);
        let lines = barrier_lines(&out);
        assert_eq!(lines.len(), 4, "{method}: {lines:?}");
        // The one that was waiting, and the one that came after.
        for (line, name) in lines[..2].iter().zip(["Process-1", "Process-3"]) {
            assert!(
                line.starts_with(&format!("{name}: the barrier is broken (party "))
                    && line.ends_with(" died)"),
                "{method}: {line}"
            );
        }
        assert_eq!(lines[2], "barrier broken for later: true", "{method}");
        assert_eq!(lines[3], "survivors told within 3 s: true (promptly)");
    }
}

#[test]
fn the_next_taker_is_told_when_a_holder_died_and_the_one_after_is_not() {
    for method in METHODS {
        let out = probe("owner-dies", method);
        let told =
            "owner died (a process died holding the lock: what it guards may be half-updated)";
        assert_eq!(
            out.lines(),
            [
                format!("array, first:  {told}"),
                "array, second: ok [1, 1, 1, 1, 0, 0, 0, 0]".into(),
                format!("value, first:  {told}"),
                "value, second: ok 0".into(),
                format!("lock, first:   {told}"),
                "lock, second:  ok taken".into(),
            ],
            "{method}"
        );
    }
}

#[test]
fn concurrent_releases_never_take_a_bounded_semaphore_above_its_bound() {
    for method in METHODS {
        let out = probe("bounded-race", method);
        let mut lines = out.lines();
        lines.sort();
        assert_eq!(
            lines,
            [
                "final value: 2 (bound 2)",
                "highest value seen: 2",
                "highest value seen: 2"
            ],
            "{method}"
        );
    }
}
