use cookbook_tests::exercise;

#[test]
fn the_consumer_waits_for_every_producer() {
    for _ in 0..3 {
        let out = exercise(
            env!("CARGO_BIN_EXE_queue-fan-in"),
            env!("CARGO_BIN_EXE_queue-fan-in-solution"),
            "queue-fan-in",
        )
        .time_scale(1.0)
        .run();
        out.assert_success();
        assert_eq!(
            out.lines(),
            ["sum of 30 items: 465"],
            "every item of every producer, once"
        );
    }
}
