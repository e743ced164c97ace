use cookbook_tests::exercise;

#[test]
fn every_rank_knows_the_total() {
    let out = exercise(
        env!("CARGO_BIN_EXE_mpi-allreduce"),
        env!("CARGO_BIN_EXE_mpi-allreduce-solution"),
        "mpi-allreduce",
    )
    .run();
    out.assert_success();
    let mut lines = out.lines();
    lines.sort();
    assert_eq!(
        lines,
        [
            "rank 0: total 10",
            "rank 1: total 10",
            "rank 2: total 10",
            "rank 3: total 10"
        ]
    );
}
