use cookbook_tests::exercise;
use std::time::Duration;

#[test]
fn every_ready_comes_before_any_go() {
    let program = exercise(
        env!("CARGO_BIN_EXE_barrier-ready"),
        env!("CARGO_BIN_EXE_barrier-ready-solution"),
        "barrier-ready",
    )
    .timeout(Duration::from_secs(10));
    // The reference: the same program without its sleeps, on this machine, now.
    let overhead = program.overhead();
    let out = program.time_scale(2.0).run();
    out.assert_success();
    let lines = out.lines();
    assert_eq!(lines.len(), 8, "{lines:?}");
    let last_ready = lines.iter().rposition(|l| l.ends_with(" ready")).unwrap();
    let first_go = lines.iter().position(|l| l.ends_with(" go")).unwrap();
    assert!(
        last_ready < first_go,
        "a worker went before all were ready: {lines:?}"
    );
    // The same four workers say "ready" and then "go": not four others
    // started afterwards.
    let names = |suffix: &str| {
        let mut names: Vec<&str> = lines
            .iter()
            .filter_map(|l| l.strip_suffix(suffix))
            .collect();
        names.sort();
        names
    };
    assert_eq!(
        names(" ready").len(),
        4,
        "four workers say ready: {lines:?}"
    );
    assert_eq!(
        names(" ready"),
        names(" go"),
        "each worker that was ready goes: {lines:?}"
    );
    // Nobody goes before the slowest is ready: the run lasts at least its
    // sleep (0.3 s of the book's time, 0.6 s here).
    assert!(
        out.elapsed >= Duration::from_millis(600),
        "the run took {:?}: shorter than the slowest worker's sleep (were the sleeps taken out?)",
        out.elapsed
    );
    // They go as soon as the slowest is ready (0.3 s of the book's time, 0.6 s
    // here): a guessed sleep instead of a barrier waits longer than that.
    assert!(
        out.elapsed < overhead + Duration::from_millis(600 + 700),
        "the run took {:?}: the workers waited longer than for the slowest one (the run without sleeps: {overhead:?})",
        out.elapsed
    );
}
