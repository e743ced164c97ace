use cookbook_tests::exercise;

#[test]
fn every_rank_knows_the_size() {
    let out = exercise(
        env!("CARGO_BIN_EXE_hello-size"),
        env!("CARGO_BIN_EXE_hello-size-solution"),
        "hello-size",
    )
    .run();
    out.assert_success();
    let mut lines = out.lines();
    lines.sort();
    assert_eq!(
        lines,
        [
            "hello world from process 0 of 3",
            "hello world from process 1 of 3",
            "hello world from process 2 of 3"
        ]
    );
}
