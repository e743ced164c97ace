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
    // Exit 0, and no process left behind: the heartbeat ended with the program.
    out.assert_success();
    assert!(out.lines().contains(&"work done"), "{}", out.stdout);
    // The heartbeat ran meanwhile, in a process of its own.
    let beats: Vec<i32> = out
        .lines()
        .iter()
        .filter_map(|l| {
            l.strip_prefix("beat (pid ")?
                .strip_suffix(')')?
                .parse()
                .ok()
        })
        .collect();
    assert!(
        !beats.is_empty(),
        "the heartbeat ran meanwhile: {}",
        out.stdout
    );
    assert!(
        beats.iter().all(|p| *p != out.pid),
        "the heartbeat must beat in a child process, not in the main one: {}",
        out.stdout
    );
}
