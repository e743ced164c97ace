//! The shared-memory recipe: named blocks reach a separate program by name,
//! and nothing is left in `/dev/shm` however the creator ends (SIGINT,
//! SIGTERM, SIGKILL, a panic), because its resource tracker removes what
//! it left. Without the tracker, the `shared_memory` crate alone leaks on
//! SIGKILL: checked too, so the leak checks can fail.

use cookbook_tests::{METHODS, Outcome, Run, Target};
use nix::sys::signal::Signal;
use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The tests here compare `/dev/shm` before and after: one at a time.
static DEV_SHM: Mutex<()> = Mutex::new(());

/// Runs, and returns the outcome with what the run added to `/dev/shm`:
/// the names it printed that are still there, and any new `psm_` name
/// (other programs on the machine come and go in `/dev/shm` meanwhile:
/// their entries are not the recipe's).
fn run_and_compare(run: Run) -> (Outcome, Vec<String>) {
    let before = cookbook_tests::dev_shm();
    let out = run.run();
    out.assert_clean();
    let after = cookbook_tests::dev_shm();
    let mut added: Vec<String> = after
        .difference(&before)
        .filter(|n| n.starts_with("psm_"))
        .cloned()
        .collect();
    for name in printed_names(&out) {
        if after.contains(&name) && !added.contains(&name) {
            added.push(name);
        }
    }
    (out, added)
}

/// The block names a run printed (`psm_` and 16 hex digits).
fn printed_names(out: &Outcome) -> BTreeSet<String> {
    let name = regex::Regex::new(r"psm_[0-9a-f]{16}").unwrap();
    name.find_iter(&out.stdout)
        .map(|m| m.as_str().to_string())
        .collect()
}

// ANCHOR: leak_test
#[test]
fn no_ending_of_the_creator_leaves_a_block_in_dev_shm() {
    let _one_at_a_time = DEV_SHM.lock().unwrap_or_else(|e| e.into_inner());
    for method in METHODS {
        // Ctrl-C and `kill` reach the whole process group, tracker included;
        // SIGKILL goes to the creator alone (killing the tracker too would
        // leave nobody to clean up: nothing can survive that).
        for (signal, target) in [
            (Signal::SIGINT, Target::Group),
            (Signal::SIGTERM, Target::Group),
            (Signal::SIGKILL, Target::Parent),
        ] {
            let run = Run::recipe("shared-memory")
                .start_method(method)
                .args(["--hold", "3000"])
                .signal_on("^holding 4 blocks$", signal, target);
            let (out, added) = run_and_compare(run);
            assert_eq!(
                out.code(),
                -(signal as i32),
                "{method} {signal:?}: {}",
                out.stderr
            );
            assert!(
                added.is_empty(),
                "{method} {signal:?}: left in /dev/shm: {added:?}"
            );
            if signal == Signal::SIGKILL {
                // The creator's Drop never ran: the tracker did the removing.
                assert_eq!(
                    out.stderr.matches("resource tracker: removed").count(),
                    4,
                    "{method}: {}",
                    out.stderr
                );
            }
        }
        let run = Run::recipe("shared-memory")
            .start_method(method)
            .args(["--panic"]);
        let (out, added) = run_and_compare(run);
        assert_eq!(out.code(), 101, "{method}: {}", out.stderr);
        assert!(
            out.stderr.contains("panicking while 4 blocks exist"),
            "{}",
            out.stderr
        );
        assert!(
            added.is_empty(),
            "{method} panic: left in /dev/shm: {added:?}"
        );
    }
}
// ANCHOR_END: leak_test

#[test]
fn without_the_tracker_a_killed_creator_leaks_its_block() {
    let _one_at_a_time = DEV_SHM.lock().unwrap_or_else(|e| e.into_inner());
    let run = Run::recipe("shared-memory")
        .args(["--no-tracker", "--hold", "3000"])
        .signal_on("^holding 1 block$", Signal::SIGKILL, Target::Parent);
    let (out, _) = run_and_compare(run);
    let name = out
        .lines()
        .first()
        .and_then(|l| l.strip_prefix("created "))
        .and_then(|l| l.strip_suffix(" without a tracker"))
        .map(str::to_string)
        .unwrap_or_else(|| panic!("no name in {:?}", out.stdout));
    let leaked = std::path::Path::new("/dev/shm").join(&name).exists();
    // Clean up after the crate before asserting, so a failure leaks nothing.
    let _ = std::fs::remove_file(format!("/dev/shm/{name}"));
    assert!(leaked, "the crate alone should leak its block {name}");
}

#[test]
fn a_separate_program_attaches_by_name() {
    let _one_at_a_time = DEV_SHM.lock().unwrap_or_else(|e| e.into_inner());
    let name = format!("cookbook_test_{}", std::process::id());
    // The creator waits for a visitor; the visitor is a second program the
    // test starts, with nothing but the name in common.
    let server = {
        let name = name.clone();
        std::thread::spawn(move || {
            Run::recipe("shared-memory")
                .args(["--serve", "--name", &name, "--patience", "20"])
                .run()
        })
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while !std::path::Path::new("/dev/shm").join(&name).exists() {
        assert!(Instant::now() < deadline, "the block never appeared");
        std::thread::sleep(Duration::from_millis(10));
    }
    let visitor = Run::recipe("shared-memory")
        .args(["--attach", &name])
        .run_ok();
    assert_eq!(
        visitor.lines(),
        [
            format!("another program attached to {name} by name and read b'howdy'"),
            "another program wrote b'HOWDY'".to_string(),
        ]
    );
    let server = server.join().expect("server thread");
    server.assert_success();
    assert_eq!(server.lines().last(), Some(&"someone wrote b'HOWDY'"));
    assert!(
        !cookbook_tests::dev_shm().contains(&name),
        "the served block is gone"
    );

    // Attaching to a name nobody created is an error, not a panic.
    let out = Run::recipe("shared-memory").args(["--attach", &name]).run();
    assert_eq!(out.code(), 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains(&format!("no shared memory named {name}")),
        "{}",
        out.stderr
    );
    // A bad name is a usage error.
    Run::recipe("shared-memory")
        .args(["--attach", "../etc/passwd"])
        .run()
        .assert_usage_error();
}
