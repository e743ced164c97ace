use cookbook_tests::exercise;

#[test]
fn scatter_three() {
    let out = exercise(
        env!("CARGO_BIN_EXE_scatter-three"),
        env!("CARGO_BIN_EXE_scatter-three-solution"),
        "scatter-three",
    )
    .run();
    out.assert_success();
    let mut lines = out.lines();
    lines.sort();
    let expected: &[&str] = &[
        "rank 0 got [1, 2, 3]",
        "rank 1 got [4, 5, 6]",
        "rank 2 got [7, 8, 9]",
    ];
    assert_eq!(lines, expected);
}
