use cookbook_tests::exercise;

#[test]
fn each_rank_gets_its_left_neighbours_rank() {
    let out = exercise(
        env!("CARGO_BIN_EXE_topology-ring"),
        env!("CARGO_BIN_EXE_topology-ring-solution"),
        "topology-ring",
    )
    .run();
    out.assert_success();
    let mut lines = out.lines();
    lines.sort();
    assert_eq!(
        lines,
        [
            "rank 0 got 3",
            "rank 1 got 0",
            "rank 2 got 1",
            "rank 3 got 2"
        ]
    );
}
