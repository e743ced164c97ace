use cookbook_tests::exercise;

/// What the ranks must print with `n` ranks (n divides 100), sorted, when
/// rank 0's numbers are its pid `p0` plus 1 to 100.
fn expected(n: i64, p0: i64) -> Vec<String> {
    let k = 100 / n;
    let mut lines: Vec<String> = (0..n)
        .map(|r| {
            let sum: i64 = (r * k + 1..=r * k + k).map(|i| p0 + i).sum();
            format!("rank {r} summed {k} numbers: {sum}")
        })
        .collect();
    lines.push(format!("total {}", 100 * p0 + 5050));
    lines.sort();
    lines
}

#[test]
fn scatter_sum() {
    // Started from here at three counts: a share of 25 written in fails at
    // 2 and 5. The numbers are built from rank 0's pid, which it says
    // itself: the other ranks cannot work their shares out without it.
    for n in [2, 4, 5] {
        let out = exercise(
            env!("CARGO_BIN_EXE_scatter-sum"),
            env!("CARGO_BIN_EXE_scatter-sum-solution"),
            "scatter-sum",
        )
        .ranks(n as u32)
        .trace_mpi()
        .run();
        out.assert_success();
        // What each rank did, recorded outside the program: rank 0's total comes from a reduce of the partial sums, not from its own list.
        out.assert_each_rank_called(n as usize, &["Scatter|Scatterv", "Reduce|Allreduce"]);
        let pids = out.rank_pids(n as usize);
        let mut lines: Vec<&str> = out
            .lines()
            .into_iter()
            .filter(|l| !l.contains(" is pid "))
            .collect();
        lines.sort();
        assert_eq!(lines, expected(n, pids[0]), "with {n} ranks");
    }
}
