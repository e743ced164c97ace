use cookbook_tests::exercise;

/// What the ranks must print with `n` ranks, sorted.
fn expected(n: i64) -> Vec<String> {
    let all: Vec<i64> = (1..=n).map(|r| r * r).collect();
    (0..n).map(|r| format!("rank {r} has {all:?}")).collect()
}

#[test]
fn gather_all() {
    // Started from here at 3 and 5 ranks: an answer written for the default count fails at the other.
    for n in [3, 5] {
        let out = exercise(
            env!("CARGO_BIN_EXE_gather-all"),
            env!("CARGO_BIN_EXE_gather-all-solution"),
            "gather-all",
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
