use cookbook_tests::exercise;

#[test]
fn the_consumer_takes_every_item() {
    let out = exercise(
        env!("CARGO_BIN_EXE_queue-race"),
        env!("CARGO_BIN_EXE_queue-race-solution"),
        "queue-race",
    )
    .time_scale(0.2)
    .run();
    out.assert_success();
    let popped: Vec<&str> = out
        .lines()
        .into_iter()
        .filter(|l| l.contains("popped"))
        .collect();
    let expected: Vec<String> = (1..=5)
        .map(|i| format!("Process Consumer : item {i} popped"))
        .collect();
    assert_eq!(
        popped, expected,
        "the consumer must take the five items, in order"
    );
    assert_eq!(
        out.lines().last(),
        Some(&"the queue is empty"),
        "and say so only at the end"
    );
}
