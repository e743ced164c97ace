use cookbook_tests::exercise;

#[test]
fn gather_all() {
    let out = exercise(
        env!("CARGO_BIN_EXE_gather-all"),
        env!("CARGO_BIN_EXE_gather-all-solution"),
        "gather-all",
    )
    .run();
    out.assert_success();
    let mut lines = out.lines();
    lines.sort();
    let expected: &[&str] = &[
        "rank 0 has [1, 4, 9, 16]",
        "rank 1 has [1, 4, 9, 16]",
        "rank 2 has [1, 4, 9, 16]",
        "rank 3 has [1, 4, 9, 16]",
    ];
    assert_eq!(lines, expected);
}
