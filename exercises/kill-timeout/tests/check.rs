use cookbook_tests::exercise;
use std::time::Duration;

#[test]
fn a_stuck_worker_is_given_half_a_second_then_stopped() {
    let out = exercise(
        env!("CARGO_BIN_EXE_kill-timeout"),
        env!("CARGO_BIN_EXE_kill-timeout-solution"),
        "kill-timeout",
    )
    .time_scale(1.0)
    .timeout(Duration::from_secs(5))
    .run();
    out.assert_success();
    assert_eq!(out.lines(), ["worker stopped: exit code -15"]);
    // The worker gets its half second before it is terminated: a program
    // that terminates it at once ends sooner than that.
    assert!(
        out.elapsed >= Duration::from_millis(500),
        "the run took {:?}: the worker was not given its half second (join_timeout) before terminate",
        out.elapsed
    );
    assert!(
        out.elapsed < Duration::from_secs(4),
        "the run took {:?}: give up on the worker after half a second",
        out.elapsed
    );
}
