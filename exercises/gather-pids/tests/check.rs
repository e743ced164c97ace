use cookbook_tests::exercise;

#[test]
fn gather_pids() {
    // Started from here at three counts; the pids rank 0 gathered must be
    // those the ranks said themselves, in rank order.
    for n in [2usize, 4, 5] {
        let out = exercise(
            env!("CARGO_BIN_EXE_gather-pids"),
            env!("CARGO_BIN_EXE_gather-pids-solution"),
            "gather-pids",
        )
        .ranks(n as u32)
        .trace_mpi()
        .run();
        out.assert_success();
        // What each rank did, recorded outside the program: the pids travel by a gather.
        out.assert_each_rank_called(n, &["Gather|Gatherv|Allgather|Allgatherv"]);
        let lines = out.lines();
        let mut said: Vec<(usize, u32)> = lines
            .iter()
            .filter_map(|l| {
                let (rank, pid) = l.strip_prefix("rank ")?.split_once(" is pid ")?;
                Some((rank.parse().ok()?, pid.parse().ok()?))
            })
            .collect();
        said.sort();
        let ranks: Vec<usize> = said.iter().map(|s| s.0).collect();
        assert_eq!(
            ranks,
            (0..n).collect::<Vec<_>>(),
            "each rank says its pid once: {lines:?}"
        );
        let pids: Vec<u32> = said.iter().map(|s| s.1).collect();
        let gathered = format!("gathered {pids:?}");
        assert!(
            lines.contains(&gathered.as_str()),
            "with {n} ranks, rank 0 should print {gathered:?}: {lines:?}"
        );
        let count = format!("{n} processes, {n} different pids");
        assert!(
            lines.contains(&count.as_str()),
            "with {n} ranks, {count:?}: {lines:?}"
        );
        assert_eq!(lines.len(), n + 2, "nothing else: {lines:?}");
    }
}
