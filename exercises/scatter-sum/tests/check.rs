use cookbook_tests::exercise;

#[test]
fn scatter_sum() {
    let out = exercise(
        env!("CARGO_BIN_EXE_scatter-sum"),
        env!("CARGO_BIN_EXE_scatter-sum-solution"),
        "scatter-sum",
    )
    .run();
    out.assert_success();
    let mut lines = out.lines();
    lines.sort();
    let expected: &[&str] = &[
        "rank 0 summed 25 numbers: 325",
        "rank 1 summed 25 numbers: 950",
        "rank 2 summed 25 numbers: 1575",
        "rank 3 summed 25 numbers: 2200",
        "total 5050",
    ];
    assert_eq!(lines, expected);
}
