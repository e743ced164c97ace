use cookbook_tests::exercise;

/// What the ranks must print with `n` ranks, sorted.
fn expected(n: i64) -> Vec<String> {
    (0..n)
        .map(|r| format!("rank {r} has [10, 20, 30, 40, 50]"))
        .collect()
}

#[test]
fn bcast_length() {
    // Started from here at 2 and 5 ranks: every rank, whatever their number, prints the data.
    for n in [2, 5] {
        let out = exercise(
            env!("CARGO_BIN_EXE_bcast-length"),
            env!("CARGO_BIN_EXE_bcast-length-solution"),
            "bcast-length",
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
