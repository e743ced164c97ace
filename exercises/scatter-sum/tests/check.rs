use cookbook_tests::exercise;

/// What the ranks must print with `n` ranks (n divides 100), sorted.
fn expected(n: i64) -> Vec<String> {
    let k = 100 / n;
    let mut lines: Vec<String> = (0..n)
        .map(|r| {
            let sum: i64 = (r * k + 1..=r * k + k).sum();
            format!("rank {r} summed {k} numbers: {sum}")
        })
        .collect();
    lines.push("total 5050".into());
    lines.sort();
    lines
}

#[test]
fn scatter_sum() {
    // Started from here at three counts: a share of 25 written in fails at 2 and 5.
    for n in [2, 4, 5] {
        let out = exercise(
            env!("CARGO_BIN_EXE_scatter-sum"),
            env!("CARGO_BIN_EXE_scatter-sum-solution"),
            "scatter-sum",
        )
        .ranks(n as u32)
        .run();
        out.assert_success();
        let mut lines = out.lines();
        lines.sort();
        assert_eq!(lines, expected(n), "with {n} ranks");
    }
}
