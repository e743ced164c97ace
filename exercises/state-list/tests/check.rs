use cookbook_tests::{exercise, pick};

#[test]
fn every_worker_adds_to_the_same_list() {
    // Five workers, then a count the program cannot know in advance.
    for workers in [5, pick(6, 9)] {
        let out = exercise(
            env!("CARGO_BIN_EXE_state-list"),
            env!("CARGO_BIN_EXE_state-list-solution"),
            "state-list",
        )
        .args([workers.to_string()])
        .run();
        out.assert_success();
        let squares: Vec<u64> = (0..workers).map(|i| i * i).collect();
        assert_eq!(
            out.lines(),
            [format!("Results: {squares:?}")],
            "{workers} workers"
        );
    }
}
