use cookbook_tests::exercise;

/// What the ranks must print with `n` ranks, sorted.
fn expected(n: i64) -> Vec<String> {
    (0..n)
        .map(|r| format!("rank {r} got {}", (r + n - 1) % n))
        .collect()
}

#[test]
fn each_rank_gets_its_left_neighbours_rank() {
    // Started from here at 3 and 5 ranks: an answer written for the default count fails at the other.
    for n in [3, 5] {
        let out = exercise(
            env!("CARGO_BIN_EXE_topology-ring"),
            env!("CARGO_BIN_EXE_topology-ring-solution"),
            "topology-ring",
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
