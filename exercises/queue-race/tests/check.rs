use cookbook_tests::{exercise, exercise_answer};

#[test]
fn the_consumer_takes_every_item() {
    // However slow the producer is to start: a consumer that just waits a
    // while first is caught by the slow start.
    for startup in ["0.5", "5"] {
        check(startup);
    }
}

fn check(startup: &str) {
    let out = exercise(
        env!("CARGO_BIN_EXE_queue-race"),
        env!("CARGO_BIN_EXE_queue-race-solution"),
        "queue-race",
    )
    .time_scale(0.2)
    .env("QUEUE_RACE_STARTUP", startup)
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
        "the consumer must take the five items, in order (producer startup {startup} s)"
    );
    assert_eq!(
        out.lines().last(),
        Some(&"the queue is empty"),
        "and say so only at the end"
    );
}

#[test]
fn why_empty_is_not_enough() {
    let answer = exercise_answer(env!("CARGO_MANIFEST_DIR"));
    assert!(
        answer.is_some(),
        "write the letter of your answer in exercises/queue-race/answer.txt, as `answer: x` (the choices are in src/main.rs)"
    );
    assert_eq!(
        answer.as_deref(),
        Some("b"),
        "not that one: what does an empty queue tell the consumer about the future?"
    );
}
