use cookbook_tests::exercise;

#[test]
fn alltoall_transpose() {
    let out = exercise(
        env!("CARGO_BIN_EXE_alltoall-transpose"),
        env!("CARGO_BIN_EXE_alltoall-transpose-solution"),
        "alltoall-transpose",
    )
    .run();
    out.assert_success();
    let mut lines = out.lines();
    lines.sort();
    let expected: &[&str] = &[
        "rank 0 column [0, 3, 6]",
        "rank 1 column [1, 4, 7]",
        "rank 2 column [2, 5, 8]",
    ];
    assert_eq!(lines, expected);
}
