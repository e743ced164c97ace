use cookbook_tests::exercise;

/// What the ranks must print with `n` ranks, sorted.
fn expected(n: i64) -> Vec<String> {
    (0..n)
        .map(|r| format!("hello world from process {r} of {n}"))
        .collect()
}

#[test]
fn every_rank_knows_the_size() {
    // Started from here at 2 and 5 ranks: an answer written for the default count fails at the other.
    for n in [2, 5] {
        let out = exercise(
            env!("CARGO_BIN_EXE_hello-size"),
            env!("CARGO_BIN_EXE_hello-size-solution"),
            "hello-size",
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
