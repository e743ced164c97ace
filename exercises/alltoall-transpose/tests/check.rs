use cookbook_tests::exercise;

/// What the ranks must print with `n` ranks whose pids are `pids`, sorted:
/// row r is 100 * pids[r] + c, so column r is 100 * pids[i] + r.
fn expected(n: usize, pids: &[i64]) -> Vec<String> {
    let mut lines: Vec<String> = (0..n)
        .map(|r| {
            format!(
                "rank {r} column {:?}",
                (0..n).map(|i| 100 * pids[i] + r as i64).collect::<Vec<_>>()
            )
        })
        .collect();
    lines.sort();
    lines
}

#[test]
fn alltoall_transpose() {
    // Started from here at 2 and 4 ranks: an answer written for the default
    // count fails at the other. The rows are built from the ranks' own pids,
    // which each says itself: no rank can work its column out alone.
    for n in [2, 4] {
        let out = exercise(
            env!("CARGO_BIN_EXE_alltoall-transpose"),
            env!("CARGO_BIN_EXE_alltoall-transpose-solution"),
            "alltoall-transpose",
        )
        .ranks(n as u32)
        .trace_mpi()
        .run();
        out.assert_success();
        // What each rank did, recorded outside the program: one all-to-all moves the columns.
        out.assert_each_rank_called(n, &["Alltoall|Alltoallv"]);
        let pids = out.rank_pids(n);
        let mut lines: Vec<&str> = out
            .lines()
            .into_iter()
            .filter(|l| !l.contains(" is pid "))
            .collect();
        lines.sort();
        assert_eq!(lines, expected(n, &pids), "with {n} ranks");
    }
}
