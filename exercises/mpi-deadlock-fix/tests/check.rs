use cookbook_tests::{exercise, exercise_answer};
use std::time::Duration;

#[test]
fn the_exchange_completes() {
    let out = exercise(
        env!("CARGO_BIN_EXE_mpi-deadlock-fix"),
        env!("CARGO_BIN_EXE_mpi-deadlock-fix-solution"),
        "mpi-deadlock-fix",
    )
    .timeout(Duration::from_secs(20))
    .run();
    assert_eq!(
        out.code(),
        0,
        "the ranks deadlocked (the watchdog stopped them):\n{}",
        out.stderr
    );
    let mut lines = out.lines();
    lines.sort();
    assert_eq!(
        lines,
        [
            "rank 0 got 1000000 bytes of 2",
            "rank 1 got 1000000 bytes of 1"
        ]
    );
    out.assert_clean();
}

#[test]
fn why_only_large_messages_hang() {
    let answer = exercise_answer(env!("CARGO_MANIFEST_DIR"));
    assert!(
        answer.is_some(),
        "write the letter of your answer in exercises/mpi-deadlock-fix/answer.txt, as `answer: x` (the choices are in src/main.rs)"
    );
    assert_eq!(
        answer.as_deref(),
        Some("b"),
        "not that one: what does a send do when nobody is receiving yet?"
    );
}
