use cookbook_tests::exercise;

#[test]
fn rank_1_answers_rank_0() {
    let out = exercise(
        env!("CARGO_BIN_EXE_p2p-reply"),
        env!("CARGO_BIN_EXE_p2p-reply-solution"),
        "p2p-reply",
    )
    .run();
    out.assert_success();
    let mut lines = out.lines();
    lines.sort();
    assert_eq!(lines, ["received 10000000", "reply: 10000001"]);
}
