use cookbook_tests::exercise;

#[test]
fn alltoall_by_hand() {
    let out = exercise(
        env!("CARGO_BIN_EXE_alltoall-by-hand"),
        env!("CARGO_BIN_EXE_alltoall-by-hand-solution"),
        "alltoall-by-hand",
    )
    .run();
    out.assert_success();
    let mut lines = out.lines();
    lines.sort();
    let expected: &[&str] = &[
        "rank 0 same as all_to_all: true",
        "rank 1 same as all_to_all: true",
        "rank 2 same as all_to_all: true",
        "rank 3 same as all_to_all: true",
    ];
    assert_eq!(lines, expected);
}
