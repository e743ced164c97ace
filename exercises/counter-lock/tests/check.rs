use cookbook_tests::exercise;

#[test]
fn the_total_is_exact() {
    // Several runs: a lost update does not show every time.
    for _ in 0..3 {
        let out = exercise(
            env!("CARGO_BIN_EXE_counter-lock"),
            env!("CARGO_BIN_EXE_counter-lock-solution"),
            "counter-lock",
        )
        .run();
        out.assert_success();
        assert_eq!(
            out.lines(),
            ["total: 80000"],
            "4 processes x 20,000 increments"
        );
    }
}
