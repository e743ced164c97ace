use cookbook_tests::exercise;

#[test]
fn gather_pids() {
    let out = exercise(
        env!("CARGO_BIN_EXE_gather-pids"),
        env!("CARGO_BIN_EXE_gather-pids-solution"),
        "gather-pids",
    )
    .run();
    out.assert_success();
    let mut lines = out.lines();
    lines.sort();
    let expected: &[&str] = &["4 processes, 4 different pids"];
    assert_eq!(lines, expected);
}
