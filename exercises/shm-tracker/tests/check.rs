use cookbook_tests::{Target, dev_shm, exercise};
use nix::sys::signal::Signal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Both checks compare `/dev/shm` before and after: one at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn run() -> cookbook_tests::Run {
    exercise(
        env!("CARGO_BIN_EXE_shm-tracker"),
        env!("CARGO_BIN_EXE_shm-tracker-solution"),
        "shm-tracker",
    )
}

#[test]
fn an_ordinary_run_holds_a_block_and_removes_it() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let before = dev_shm();
    let out = run().run();
    out.assert_success();
    assert_eq!(out.lines().last(), Some(&"done"), "{}", out.stdout);
    // Other programs on the machine come and go in /dev/shm: judge ours only.
    let left: Vec<String> = dev_shm()
        .difference(&before)
        .filter(|n| n.starts_with("psm_exercise_"))
        .cloned()
        .collect();
    assert!(left.is_empty(), "left in /dev/shm: {left:?}");
}

#[test]
fn a_killed_run_leaves_nothing_in_dev_shm() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let before = dev_shm();
    // At the book's pace the block is held 5 s: look for it while it is
    // there (it must really exist), then kill the program.
    let killed = std::thread::spawn(|| {
        run()
            .time_scale(1.0)
            .signal_after(Duration::from_millis(1500), Signal::SIGKILL, Target::Parent)
            .run()
    });
    let deadline = Instant::now() + Duration::from_millis(1400);
    let mut seen = Vec::new();
    while Instant::now() < deadline && seen.is_empty() {
        seen = dev_shm()
            .difference(&before)
            .filter(|n| n.starts_with("psm_exercise_"))
            .cloned()
            .collect();
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = killed.join().expect("run");
    let left: Vec<String> = dev_shm()
        .difference(&before)
        .filter(|n| n.starts_with("psm_exercise_"))
        .cloned()
        .collect();
    // Whatever a wrong answer left, remove it: the check itself leaks nothing.
    for name in &left {
        let _ = std::fs::remove_file(format!("/dev/shm/{name}"));
    }
    assert!(
        !seen.is_empty(),
        "no block appeared in /dev/shm while the program ran"
    );
    assert_eq!(
        out.code(),
        -9,
        "the program should have been killed: {}",
        out.stderr
    );
    assert!(left.is_empty(), "after SIGKILL, left in /dev/shm: {left:?}");
}
