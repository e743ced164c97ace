use cookbook_tests::exercise;

#[test]
fn each_rank_gets_its_left_neighbours_pid() {
    // Started from here at 3 and 5 ranks: an answer written for the default
    // count fails at the other. What passes round the ring is each rank's
    // pid, which it says itself: no rank can work out its neighbour's
    // without a message.
    for n in [3, 5] {
        let out = exercise(
            env!("CARGO_BIN_EXE_topology-ring"),
            env!("CARGO_BIN_EXE_topology-ring-solution"),
            "topology-ring",
        )
        .ranks(n as u32)
        .trace_mpi()
        .run();
        out.assert_success();
        // What each rank did, recorded outside the program: neighbours from the ring's shift, exchanged with send_receive_into.
        out.assert_each_rank_called(n, &["Cart_create", "Cart_shift", "Sendrecv"]);
        let pids = out.rank_pids(n);
        let mut lines: Vec<&str> = out
            .lines()
            .into_iter()
            .filter(|l| !l.contains(" is pid "))
            .collect();
        lines.sort();
        let mut want: Vec<String> = (0..n)
            .map(|r| format!("rank {r} got {}", pids[(r + n - 1) % n]))
            .collect();
        want.sort();
        assert_eq!(lines, want, "with {n} ranks");
    }
}
