use cookbook_tests::exercise;

#[test]
fn every_rank_knows_the_total() {
    // Each rank's number comes from its pid: only a real reduce and
    // broadcast give every rank the sum, at any count.
    for n in [3usize, 5] {
        let out = exercise(
            env!("CARGO_BIN_EXE_mpi-allreduce"),
            env!("CARGO_BIN_EXE_mpi-allreduce-solution"),
            "mpi-allreduce",
        )
        .ranks(n as u32)
        .trace_mpi()
        .run();
        out.assert_success();
        // What each rank did, recorded outside the program: built from a reduce and a broadcast, not MPI's all-reduce.
        out.assert_each_rank_called(n, &["Reduce", "Bcast"]);
        out.assert_no_rank_called(&["Allreduce"]);
        let lines = out.lines();
        let mut has: Vec<(usize, i64)> = lines
            .iter()
            .filter_map(|l| {
                let (rank, v) = l.strip_prefix("rank ")?.split_once(" has ")?;
                Some((rank.parse().ok()?, v.parse().ok()?))
            })
            .collect();
        has.sort();
        let ranks: Vec<usize> = has.iter().map(|h| h.0).collect();
        assert_eq!(
            ranks,
            (0..n).collect::<Vec<_>>(),
            "each rank says its number: {lines:?}"
        );
        let total: i64 = has.iter().map(|h| h.1).sum();
        let mut totals: Vec<&str> = lines
            .iter()
            .copied()
            .filter(|l| l.contains(": total "))
            .collect();
        totals.sort();
        let expected: Vec<String> = (0..n).map(|r| format!("rank {r}: total {total}")).collect();
        assert_eq!(totals, expected, "with {n} ranks");
    }
}
