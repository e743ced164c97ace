use cookbook_tests::{exercise, pick};

#[test]
fn the_consumer_waits_for_every_producer() {
    // Three producers, then more (a count the program cannot know in
    // advance), then fewer. Producer p puts 10 p + 1 to 10 p + 10.
    for producers in [3, pick(4, 6), 2] {
        let out = exercise(
            env!("CARGO_BIN_EXE_queue-fan-in"),
            env!("CARGO_BIN_EXE_queue-fan-in-solution"),
            "queue-fan-in",
        )
        .args([producers.to_string()])
        .time_scale(1.0)
        .run();
        out.assert_success();
        let sum: u64 = (0..producers)
            .flat_map(|p| (1..=10).map(move |i| 10 * p + i))
            .sum();
        assert_eq!(
            out.lines(),
            [format!("sum of {} items: {sum}", 10 * producers)],
            "every item of every producer ({producers}), once"
        );
    }
}
