use cookbook_tests::exercise;

/// What the ranks must print with `n` ranks, sorted.
fn expected(n: i64) -> Vec<String> {
    // Rank j sends 10 j + r to rank r, which keeps it at index j.
    (0..n)
        .map(|r| {
            format!(
                "rank {r} got {:?}",
                (0..n).map(|j| 10 * j + r).collect::<Vec<_>>()
            )
        })
        .collect()
}

#[test]
fn alltoall_by_hand() {
    // Started from here at 3 and 4 ranks: the check itself knows what all-to-all gives, and reads what each rank got (no verdict of the program's own is trusted).
    for n in [3, 4] {
        let out = exercise(
            env!("CARGO_BIN_EXE_alltoall-by-hand"),
            env!("CARGO_BIN_EXE_alltoall-by-hand-solution"),
            "alltoall-by-hand",
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
