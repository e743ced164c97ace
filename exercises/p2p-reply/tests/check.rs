use cookbook_tests::exercise;

#[test]
fn rank_1_answers_rank_0() {
    let out = exercise(
        env!("CARGO_BIN_EXE_p2p-reply"),
        env!("CARGO_BIN_EXE_p2p-reply-solution"),
        "p2p-reply",
    )
    .ranks(2)
    .trace_mpi()
    .run();
    out.assert_success();
    out.assert_each_rank_called(2, &["Send", "Recv|Mrecv"]);
    let lines = out.lines();
    // Each rank says its own pid; the numbers exchanged are built from
    // them, so rank 1 can only print rank 0's pid by receiving it, and
    // rank 0 can only print the sum of both by receiving rank 1's answer.
    let pids = out.rank_pids(2);
    let (p0, p1) = (pids[0], pids[1]);
    let received = format!("received {p0}");
    assert!(
        lines.contains(&received.as_str()),
        "rank 1 should print {received:?} (rank 0's pid): {lines:?}"
    );
    assert_eq!(
        out.rank_that_said(&received),
        Some(1),
        "{received:?} should come from rank 1, which received it"
    );
    let reply = format!("reply: {}", p0 + p1);
    assert!(
        lines.contains(&reply.as_str()),
        "rank 0 should print {reply:?} (its pid plus rank 1's): {lines:?}"
    );
    assert_eq!(
        out.rank_that_said(&reply),
        Some(0),
        "{reply:?} should come from rank 0, which received the reply"
    );
    assert_eq!(lines.len(), 4, "nothing else: {lines:?}");
}
