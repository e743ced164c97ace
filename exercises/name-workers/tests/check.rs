use cookbook_tests::exercise;

#[test]
fn each_child_knows_its_name() {
    let out = exercise(
        env!("CARGO_BIN_EXE_name-workers"),
        env!("CARGO_BIN_EXE_name-workers-solution"),
        "name-workers",
    )
    .run();
    out.assert_success();
    let mut lines = out.lines();
    lines.sort();
    assert_eq!(lines, ["I am worker-1", "I am worker-2", "I am worker-3"]);
}
