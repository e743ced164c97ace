use cookbook_tests::exercise;

/// What the ranks must print with `n` ranks whose pids are `pids`, sorted.
fn expected(n: usize, pids: &[i64]) -> Vec<String> {
    // Rank j sends 100 * pids[j] + r to rank r, which keeps it at index j.
    let mut lines: Vec<String> = (0..n)
        .map(|r| {
            format!(
                "rank {r} got {:?}",
                (0..n).map(|j| 100 * pids[j] + r as i64).collect::<Vec<_>>()
            )
        })
        .collect();
    lines.sort();
    lines
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
        .trace_mpi()
        .run();
        out.assert_success();
        // What each rank did, recorded outside the program: by hand: sends and receives, no all-to-all of MPI's.
        out.assert_each_rank_called(
            n,
            &[
                "Send|Isend|Ssend|Sendrecv",
                "Recv|Irecv|Mrecv|Imrecv|Sendrecv",
            ],
        );
        out.assert_no_rank_called(&["alltoall"]);
        // What each rank sends is built from its pid, which it says itself:
        // no rank can work out what it gets without messages.
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
