use cookbook_tests::exercise;

#[test]
fn gather_all() {
    // Started from here at 3 and 5 ranks: an answer written for the default
    // count fails at the other. The values are the ranks' own pids, which
    // each says itself: no rank can work the list out without communicating.
    for n in [3, 5] {
        let out = exercise(
            env!("CARGO_BIN_EXE_gather-all"),
            env!("CARGO_BIN_EXE_gather-all-solution"),
            "gather-all",
        )
        .ranks(n as u32)
        .trace_mpi()
        .run();
        out.assert_success();
        // What each rank did, recorded outside the program: every rank's pid travels by a gather.
        out.assert_each_rank_called(n, &["Allgather|Allgatherv|Gather|Gatherv"]);
        let pids = out.rank_pids(n);
        let mut lines: Vec<&str> = out
            .lines()
            .into_iter()
            .filter(|l| !l.contains(" is pid "))
            .collect();
        lines.sort();
        let mut want: Vec<String> = (0..n).map(|r| format!("rank {r} has {pids:?}")).collect();
        want.sort();
        assert_eq!(lines, want, "with {n} ranks");
    }
}
