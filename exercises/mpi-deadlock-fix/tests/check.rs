use cookbook_tests::{Outcome, exercise, exercise_answer};
use std::time::Duration;

/// Runs the program the `way` given, on 2 ranks, recording the MPI calls
/// each rank makes: the calls, not the program's lines, say which way it
/// took.
fn run(way: &str) -> Outcome {
    let out = exercise(
        env!("CARGO_BIN_EXE_mpi-deadlock-fix"),
        env!("CARGO_BIN_EXE_mpi-deadlock-fix-solution"),
        "mpi-deadlock-fix",
    )
    .args([way])
    .ranks(2)
    .trace_mpi()
    .timeout(Duration::from_secs(20))
    .run();
    assert_eq!(
        out.code(),
        0,
        "`{way}`: the ranks deadlocked (the watchdog stopped them):\n{}",
        out.stderr
    );
    out.assert_success();
    let mut lines = out.lines();
    lines.sort();
    assert_eq!(
        lines,
        [
            "rank 0 got 1000000 bytes of 2",
            "rank 1 got 1000000 bytes of 1"
        ],
        "`{way}`"
    );
    out
}

/// The point-to-point calls of one rank, in order (the others, such as
/// the launch's own, left out).
fn point_to_point(out: &Outcome, rank: usize) -> Vec<&str> {
    out.calls(rank)
        .iter()
        .map(String::as_str)
        .filter(|c| c.contains("send") || c.contains("Send") || c.contains("Recv"))
        .collect()
}

#[test]
fn one_rank_receives_first() {
    let out = run("order");
    out.assert_no_rank_called(&["Sendrecv"]);
    let firsts: Vec<Vec<&str>> = (0..2).map(|r| point_to_point(&out, r)).collect();
    for (rank, calls) in firsts.iter().enumerate() {
        assert!(
            calls.contains(&"Send") && calls.iter().any(|c| c.contains("Recv")),
            "`order`: rank {rank} should send and receive with `send` and `receive_into` (its calls: {calls:?})"
        );
    }
    assert_ne!(
        firsts[0].first(),
        firsts[1].first(),
        "`order`: one rank receives first and the other sends first (their calls: {firsts:?})"
    );
}

#[test]
fn both_at_once() {
    let out = run("sendrecv");
    out.assert_each_rank_called(2, &["Sendrecv"]);
    for rank in 0..2 {
        let calls = point_to_point(&out, rank);
        assert_eq!(
            calls,
            ["Sendrecv"],
            "`sendrecv`: rank {rank} should make its exchange in one `send_receive_into` (its calls: {calls:?})"
        );
    }
}

#[test]
fn a_way_that_does_not_exist_is_refused() {
    let out = exercise(
        env!("CARGO_BIN_EXE_mpi-deadlock-fix"),
        env!("CARGO_BIN_EXE_mpi-deadlock-fix-solution"),
        "mpi-deadlock-fix",
    )
    .args(["sideways"])
    .ranks(2)
    .timeout(Duration::from_secs(20))
    .run();
    assert_eq!(
        out.code(),
        2,
        "an unknown way is a usage error:\n{}",
        out.stderr
    );
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
