use cookbook_tests::exercise;

/// What the ranks must print with `n` ranks, sorted.
fn expected(n: i64) -> Vec<String> {
    (0..n)
        .map(|r| {
            format!(
                "rank {r} column {:?}",
                (0..n).map(|i| n * i + r).collect::<Vec<_>>()
            )
        })
        .collect()
}

#[test]
fn alltoall_transpose() {
    // Started from here at 2 and 4 ranks: an answer written for the default count fails at the other.
    for n in [2, 4] {
        let out = exercise(
            env!("CARGO_BIN_EXE_alltoall-transpose"),
            env!("CARGO_BIN_EXE_alltoall-transpose-solution"),
            "alltoall-transpose",
        )
        .ranks(n as u32)
        .run();
        out.assert_success();
        let mut lines = out.lines();
        lines.sort();
        let mut want = expected(n);
        want.sort();
        assert_eq!(lines, want, "with {n} ranks");
    }
}
