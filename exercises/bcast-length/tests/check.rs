use cookbook_tests::exercise;

#[test]
fn bcast_length() {
    let out = exercise(
        env!("CARGO_BIN_EXE_bcast-length"),
        env!("CARGO_BIN_EXE_bcast-length-solution"),
        "bcast-length",
    )
    .run();
    out.assert_success();
    let mut lines = out.lines();
    lines.sort();
    let expected: &[&str] = &[
        "rank 0 has [10, 20, 30, 40, 50]",
        "rank 1 has [10, 20, 30, 40, 50]",
        "rank 2 has [10, 20, 30, 40, 50]",
    ];
    assert_eq!(lines, expected);
}
