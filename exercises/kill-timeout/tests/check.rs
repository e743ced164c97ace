use cookbook_tests::exercise;
use std::time::Duration;

#[test]
fn a_stuck_worker_is_stopped() {
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
}
