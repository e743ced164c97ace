use cookbook_tests::exercise;

/// What the ranks must print with `n` ranks, sorted.
fn expected(n: i64) -> Vec<String> {
    (0..n)
        .map(|r| format!("rank {r} got [{}, {}, {}]", 3 * r + 1, 3 * r + 2, 3 * r + 3))
        .collect()
}

#[test]
fn scatter_three() {
    // Started from here at 2 and 4 ranks: an answer written for the default count fails at the other.
    for n in [2, 4] {
        let out = exercise(
            env!("CARGO_BIN_EXE_scatter-three"),
            env!("CARGO_BIN_EXE_scatter-three-solution"),
            "scatter-three",
        )
        .ranks(n as u32)
        .trace_mpi()
        .run();
        out.assert_success();
        // What each rank did, recorded outside the program: the numbers reach the ranks by a scatter.
        out.assert_each_rank_called(n as usize, &["Scatter|Scatterv"]);
        let mut lines = out.lines();
        lines.sort();
        let mut want = expected(n);
        want.sort();
        assert_eq!(lines, want, "with {n} ranks");
    }
}
