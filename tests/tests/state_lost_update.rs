//! The state page's claim about managers: one proxy operation is whole, but
//! a get-then-set through a proxy is two operations and loses updates like
//! any read-modify-write; a lock held across both makes it exact.
//! (`tests/src/bin/state-lost-update.rs`, included on the page.)

use cookbook_tests::{METHODS, Run};

/// The number before " lost)" on the line starting with `prefix`.
fn lost(lines: &[&str], prefix: &str) -> i64 {
    let line = lines
        .iter()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting {prefix:?} in {lines:?}"));
    let inside = line.rsplit_once('(').expect("a count in brackets").1;
    inside
        .trim_end_matches(" lost)")
        .parse()
        .unwrap_or_else(|e| panic!("{line}: {e}"))
}

#[test]
fn get_then_set_through_a_proxy_loses_updates_and_a_lock_fixes_it() {
    for method in METHODS {
        for processes in ["2", "4"] {
            let out = Run::program(
                cookbook_tests::bin("state-lost-update"),
                "state-lost-update",
            )
            .args(["--processes", processes, "--rounds", "10"])
            .start_method(method)
            .run_ok();
            let lines = out.lines();
            assert_eq!(lines.len(), 2, "{method}: {lines:?}");
            // With every process sleeping between its read and its write,
            // the others read the same value in that gap: many updates go.
            assert!(
                lost(&lines, "get, then set:") >= 5,
                "{method}, {processes} processes: too few lost: {lines:?}"
            );
            assert_eq!(
                lost(&lines, "under the manager's lock:"),
                0,
                "{method}: {lines:?}"
            );
        }
    }
}
