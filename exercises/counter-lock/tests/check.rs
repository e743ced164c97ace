use cookbook_tests::{exercise, exercise_answer, pick};

#[test]
fn the_total_is_exact() {
    // The default count, then counts the program cannot know in advance:
    // every run must be exact.
    for times in [2_000, pick(1_000, 1_999), pick(2_001, 3_000)] {
        let out = exercise(
            env!("CARGO_BIN_EXE_counter-lock"),
            env!("CARGO_BIN_EXE_counter-lock-solution"),
            "counter-lock",
        )
        .args([times.to_string()])
        .run();
        out.assert_success();
        assert_eq!(
            out.lines(),
            [format!("total: {}", 4 * times)],
            "4 processes x {times} increments"
        );
    }
}

#[test]
fn why_updates_were_lost() {
    let answer = exercise_answer(env!("CARGO_MANIFEST_DIR"));
    assert!(
        answer.is_some(),
        "write the letter of your answer in exercises/counter-lock/answer.txt, as `answer: x` (the choices are in src/main.rs)"
    );
    assert_eq!(
        answer.as_deref(),
        Some("b"),
        "not that one: what happens between a read and its write?"
    );
}
