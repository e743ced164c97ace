use cookbook_tests::exercise;
use std::time::Duration;

#[test]
fn the_program_ends_after_its_work() {
    let out = exercise(
        env!("CARGO_BIN_EXE_daemon-heartbeat"),
        env!("CARGO_BIN_EXE_daemon-heartbeat-solution"),
        "daemon-heartbeat",
    )
    .time_scale(1.0)
    .timeout(Duration::from_secs(5))
    .run();
    out.assert_success();
    assert!(out.lines().contains(&"work done"));
    assert!(out.lines().contains(&"beat"), "the heartbeat ran meanwhile");
}
