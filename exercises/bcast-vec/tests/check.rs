use cookbook_tests::exercise;

#[test]
fn every_rank_gets_the_whole_vector() {
    let out = exercise(
        env!("CARGO_BIN_EXE_bcast-vec"),
        env!("CARGO_BIN_EXE_bcast-vec-solution"),
        "bcast-vec",
    )
    .run();
    out.assert_success();
    let mut lines = out.lines();
    lines.sort();
    assert_eq!(
        lines,
        [
            "rank 0 has [1, 2, 3, 4, 5]",
            "rank 1 has [1, 2, 3, 4, 5]",
            "rank 2 has [1, 2, 3, 4, 5]"
        ]
    );
}
