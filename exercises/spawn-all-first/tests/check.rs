use cookbook_tests::exercise;
use std::time::Duration;

#[test]
fn all_five_run_at_the_same_time() {
    let out = exercise(
        env!("CARGO_BIN_EXE_spawn-all-first"),
        env!("CARGO_BIN_EXE_spawn-all-first-solution"),
        "spawn-all-first",
    )
    .time_scale(0.2)
    .run();
    out.assert_success();
    let mut lines = out.lines();
    lines.sort();
    let expected: Vec<String> = (0..5)
        .map(|i| format!("called function in process: {i}"))
        .collect();
    assert_eq!(lines, expected, "each process prints its line once");
    // Five sleeps of 0.2 s one after another take 1 s; at the same time, 0.2 s.
    assert!(
        out.elapsed < Duration::from_millis(600),
        "the processes ran one after another: {:?} for five sleeps of 0.2 s",
        out.elapsed
    );
}
