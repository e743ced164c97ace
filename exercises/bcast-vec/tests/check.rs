use cookbook_tests::exercise;

/// What the ranks must print with `n` ranks, sorted.
fn expected(n: i64) -> Vec<String> {
    (0..n)
        .map(|r| format!("rank {r} has [1, 2, 3, 4, 5]"))
        .collect()
}

#[test]
fn every_rank_gets_the_whole_vector() {
    // Started from here at 2 and 5 ranks: every rank, whatever their number, prints the vector.
    for n in [2, 5] {
        let out = exercise(
            env!("CARGO_BIN_EXE_bcast-vec"),
            env!("CARGO_BIN_EXE_bcast-vec-solution"),
            "bcast-vec",
        )
        .ranks(n as u32)
        .trace_mpi()
        .run();
        out.assert_success();
        // What each rank did, recorded outside the program: every rank takes part in the broadcast.
        out.assert_each_rank_called(n as usize, &["Bcast"]);
        let mut lines = out.lines();
        lines.sort();
        let mut want = expected(n);
        want.sort();
        assert_eq!(lines, want, "with {n} ranks");
    }
}
