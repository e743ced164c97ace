use cookbook_tests::exercise;

#[test]
fn every_worker_adds_to_the_same_list() {
    let out = exercise(
        env!("CARGO_BIN_EXE_state-list"),
        env!("CARGO_BIN_EXE_state-list-solution"),
        "state-list",
    )
    .run();
    out.assert_success();
    assert_eq!(out.lines(), ["Results: [0, 1, 4, 9, 16]"]);
}
