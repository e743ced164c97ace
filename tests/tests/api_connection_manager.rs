//! Python's `multiprocessing.connection` and manager API in `common`, each
//! piece across real processes under both start methods: the order things
//! come in, how long waits take (at least the timeout, not much more), the
//! kind of error a misuse raises, and that the object is still usable after
//! it. Each case is a subcommand of `api-probe-b`; a hang fails it in 20 s,
//! and a run must leave no process and no file behind.

use cookbook_tests::{Outcome, Run, bin};
use std::path::PathBuf;
use std::time::Duration;

use cookbook_tests::METHODS;

fn probe_run(args: &[&str]) -> Run {
    Run::program(bin("api-probe-b"), "api-probe-b")
        .args(args)
        .timeout(Duration::from_secs(20))
}

/// Runs a case that must succeed, and returns its output.
fn probe(case: &str, method: &str) -> Outcome {
    probe_run(&[case, method]).run_ok()
}

fn check(case: &str, expected: &[&str]) {
    for method in METHODS {
        let out = probe(case, method);
        assert_eq!(
            out.lines(),
            expected,
            "{case} {method}\nstderr:\n{}",
            out.stderr
        );
    }
}

#[test]
fn recv_bytes_into_keeps_a_message_too_long_for_the_buffer() {
    check(
        "recv-into",
        &[
            "fits: 5 \"hello\"",
            "too long: BufferTooShort",
            "payload: 100 bytes, all 7: true",
            "buffer untouched: true",
            "exact fit: 16",
            "next: \"after\"",
        ],
    );
}

#[test]
fn sending_to_a_closed_end_is_an_error_and_other_broken_pipes_still_kill() {
    check(
        "closed-peer",
        &[
            "duplex=true: send to a closed end: eof=true",
            "duplex=true: again, 4 MiB: eof=true",
            "duplex=false: send to a closed end: eof=true",
            "duplex=false: again, 4 MiB: eof=true",
            "raw write to a broken pipe: exit code Some(-13)",
        ],
    );
}

#[test]
fn send_bytes_range_sends_the_slice_and_refuses_bad_ranges() {
    for method in METHODS {
        let out = probe("send-range", method);
        let mut lines = out.lines();
        // The child prints its line while the parent sends: any order there.
        let child_line = "child: duplex readable=true writable=true; \
                          one-way end readable=false writable=true";
        let at = lines.iter().position(|l| *l == child_line);
        assert!(at.is_some(), "{method}: {}", out.stdout);
        lines.remove(at.unwrap_or_default());
        assert_eq!(
            lines,
            [
                "one-way: reader readable=true writable=false; writer readable=false writable=true",
                "offset 12 size None: Value",
                "offset 6 size Some(6): Value",
                "offset 0 size Some(12): Value",
                "child got: [\"world\", \"hello world\", \"world\", \"\", \"hello\"]",
            ],
            "{method}\n{}",
            out.stderr
        );
    }
}

#[test]
fn wait_returns_what_is_ready_in_order_and_nothing_after_a_timeout() {
    check(
        "wait",
        &[
            "timeout: [], after 100 ms..5 s: true",
            "first: [0], at 300 ms..5 s: true",
            "message: hi",
            "second: [1], at 1000 ms..6 s: true",
            "sleeper exitcode Some(0)",
            "third: [1], at 1700 ms..7 s: true",
            "all ended: [0, 1, 2]",
        ],
    );
}

#[test]
fn wait_sees_the_sentinel_of_a_fork_servers_child() {
    // The fork server's children are not ours: their sentinel is the
    // pidfd the server's reply came with.
    let out = probe_run(&["wait", "forkserver"]).run_ok();
    assert_eq!(
        out.lines(),
        [
            "timeout: [], after 100 ms..5 s: true",
            "first: [0], at 300 ms..5 s: true",
            "message: hi",
            "second: [1], at 1000 ms..6 s: true",
            "sleeper exitcode Some(0)",
            "third: [1], at 1700 ms..7 s: true",
            "all ended: [0, 1, 2]",
        ],
        "{}",
        out.stderr
    );
}

/// A directory of the test's own, for the file the listener writes its
/// address to (outside the listener's TMPDIR, which must end empty).
fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("api-b-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

#[test]
fn a_separate_program_gets_in_with_the_key_and_not_without() {
    for family in ["unix", "tcp"] {
        for method in METHODS {
            let dir = scratch_dir(&format!("{family}-{method}"));
            let address_file = dir.join("address").to_string_lossy().into_owned();
            let listener = probe_run(&["listen", method, family, "sesame", &address_file, "2"]);
            let listening = std::thread::spawn(move || listener.run());

            let wrong =
                probe_run(&["connect", method, "open-up", &address_file, "let me in"]).run();
            let right = probe_run(&["connect", method, "sesame", &address_file, "hello"]).run_ok();
            let listened = listening.join().expect("listener thread");
            let _ = std::fs::remove_dir_all(&dir);

            let label = format!("{family} {method}");
            // The wrong key: one clear error, exit code 1, no panic.
            assert_eq!(wrong.code(), 1, "{label}: {}", wrong.stderr);
            assert_eq!(
                wrong.stderr.lines().collect::<Vec<_>>(),
                ["error: digest sent was rejected (the peer has another authkey)"],
                "{label}"
            );
            assert!(wrong.stdout.is_empty(), "{label}: {}", wrong.stdout);
            wrong.assert_clean();
            assert_eq!(right.lines(), ["reply: echo: hello"], "{label}");

            // The listener saw the failure, then served the next client.
            listened.assert_success();
            let mut expected = vec![
                "accept 1: Authentication: digest received was wrong (the peer has another authkey)",
                "accept 2: served, exitcode Some(0)",
            ];
            if family == "unix" {
                expected.push("socket file left: false");
            }
            assert_eq!(listened.lines(), expected, "{label}\n{}", listened.stderr);
        }
    }
}

#[test]
fn a_manager_dict_has_pythons_interface_and_order() {
    check(
        "dict",
        &[
            "keys: [\"a\", \"b\", \"c\"]",
            "child: set_default d -> 4",
            "child: set_default e -> 5",
            "child: pop a -> 10",
            "child: pop zz -> Key: pop(key): no such key in the dictionary",
            "child exitcode Some(0)",
            "items: [(\"b\", 2), (\"c\", 30), (\"d\", 4), (\"e\", 5)]",
            "values: [2, 30, 4, 5]",
            "iter: [\"b\", \"c\", \"d\", \"e\"]",
            "contains b: true, contains a: false",
            "get_item zz: Key: no such key in the dictionary",
            "pop_or zz: -1",
            "delete zz: Key: pop(key): no such key in the dictionary",
            "pop_item: (\"e\", 5)",
            "copy: {\"b\": 2, \"c\": 30, \"d\": 4}, len 3",
            "cleared: len 0 empty true",
            "pop_item on empty: Key: popitem(): dictionary is empty",
            "still usable: [(\"z\", 26)]",
        ],
    );
}

#[test]
fn a_manager_list_has_pythons_interface() {
    check(
        "list",
        &[
            "child: remove 42 -> Value: list.remove(x): x not in list",
            "child exitcode Some(0)",
            "items: [0, 3, 4, 1, 5, 9, 2, 100]",
            "index 1: 3, count 1: 1",
            "index 42: Value: list.index(x): x not in list",
            "contains 9: true, contains 42: false",
            "slices: [3, 4] [0, 3] [2, 100] []",
            "after set_slice 1..3: [0, 7, 7, 7, 1, 5, 9, 2, 100]",
            "pop: 100, pop_at 0: 0",
            "pop_at 99: Index: list index 99 out of range (length 7)",
            "set 99: Index: list index 99 out of range (length 7)",
            "reversed: [2, 9, 5, 1, 7, 7, 7]",
            "pop on empty: Index: pop from empty list",
            "still usable: [1], len 1",
        ],
    );
}

#[test]
fn proxies_stored_in_a_manager_work_from_another_process() {
    check(
        "nested",
        &[
            "child exitcode Some(0)",
            "log: [\"from the parent\", \"from Process-2\"]",
            "dict in a list: [(\"x\", 1), (\"y\", 2)]",
            "another manager's proxy: Value: a proxy can only be stored in the manager that holds its object",
            "outer keys: [\"log\"]",
        ],
    );
}

#[test]
fn a_namespace_holds_attributes_by_name() {
    check(
        "namespace",
        &[
            "child exitcode Some(0)",
            "x: 42, y: \"x was 41\"",
            "names: [\"x\", \"y\"]",
            "z: Key: 'Namespace' object has no attribute 'z'",
            "delete y again: Key: 'Namespace' object has no attribute 'y'",
            "names: [\"x\"]",
        ],
    );
}

#[test]
fn a_manager_queue_keeps_order_and_times_out() {
    check(
        "queue",
        &[
            "got 100 in order: true",
            "try_get on empty: None",
            "get_timeout: Timeout, after 150 ms..5 s: true",
            "put_timeout on full: Timeout, after 150 ms..5 s: true",
            "qsize 2, get 1",
            "then: [2, 3] empty true",
        ],
    );
}

#[test]
fn manager_lock_event_and_value_work_across_processes_and_threads() {
    check(
        "lock-event-value",
        &[
            "child: acquire_timeout while held: false, after 150 ms..5 s: true",
            "child tried: true",
            "child: acquired once released",
            "child exitcode Some(0)",
            "a thread waited while another released: ok",
            "wait on a clear event: false, after 150 ms..5 s: true",
            "value: child saw the event: true",
            "is_set: true",
            "cleared: false",
        ],
    );
}

#[test]
fn a_registered_type_is_shared_and_its_errors_come_back() {
    check(
        "shared",
        &[
            "total: 130",
            "missing method: Key: 'Counter' object has no attribute 'nope'",
            "panicking method: Failure",
            "still usable: 131",
            "unregistered: Key: no type 'Gauge' was registered with this manager",
        ],
    );
}

#[test]
fn an_unknown_case_is_a_usage_error() {
    probe_run(&["no-such-case", "spawn"])
        .run()
        .assert_usage_error();
}
