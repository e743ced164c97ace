use cookbook_tests::exercise;
use std::time::Duration;

#[test]
fn all_five_run_at_the_same_time() {
    let program = exercise(
        env!("CARGO_BIN_EXE_spawn-all-first"),
        env!("CARGO_BIN_EXE_spawn-all-first-solution"),
        "spawn-all-first",
    );
    // The reference: the same program without its sleeps, on this machine, now.
    let overhead = program.overhead();
    let out = program.time_scale(0.2).run();
    out.assert_success();
    let mut lines = out.lines();
    lines.sort();
    let expected: Vec<String> = (0..5)
        .map(|i| format!("called function in process: {i}"))
        .collect();
    assert_eq!(lines, expected, "each process prints its line once");
    // Five sleeps of 0.2 s one after another add 1 s to the run; at the
    // same time, 0.2 s.
    let sleep = Duration::from_secs_f64(0.2);
    assert!(
        out.elapsed < overhead + sleep * 5 / 2,
        "the processes ran one after another: {:?} for five sleeps of 0.2 s (the run without them: {overhead:?})",
        out.elapsed
    );
}
