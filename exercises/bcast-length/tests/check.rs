use cookbook_tests::exercise;

/// What the ranks must print with `n` ranks when rank 0's pid is `p0`
/// (its list is 10, 20, ... up to 6 + p0 % 5 numbers), sorted.
fn expected(n: usize, p0: i64) -> Vec<String> {
    let data: Vec<i64> = (1..=6 + p0 % 5).map(|i| 10 * i).collect();
    let mut lines: Vec<String> = (0..n).map(|r| format!("rank {r} has {data:?}")).collect();
    lines.sort();
    lines
}

#[test]
fn bcast_length() {
    // Started from here at 2 and 5 ranks: every rank, whatever their number,
    // prints the data. Its length comes from rank 0's pid, which it says
    // itself: only rank 0 knows it, and a length written in is wrong.
    for n in [2, 5] {
        let out = exercise(
            env!("CARGO_BIN_EXE_bcast-length"),
            env!("CARGO_BIN_EXE_bcast-length-solution"),
            "bcast-length",
        )
        .ranks(n as u32)
        .trace_mpi()
        .run();
        out.assert_success();
        // What each rank did, recorded outside the program: every rank takes part in both broadcasts.
        out.assert_each_rank_called(n, &["Bcast"]);
        let pids = out.rank_pids(n);
        let mut lines: Vec<&str> = out
            .lines()
            .into_iter()
            .filter(|l| !l.contains(" is pid "))
            .collect();
        lines.sort();
        assert_eq!(lines, expected(n, pids[0]), "with {n} ranks");
    }
}
