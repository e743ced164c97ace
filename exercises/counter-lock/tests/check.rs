use cookbook_tests::{exercise, exercise_answer};

#[test]
fn the_total_is_exact() {
    // Several runs: every one must be exact.
    for _ in 0..3 {
        let out = exercise(
            env!("CARGO_BIN_EXE_counter-lock"),
            env!("CARGO_BIN_EXE_counter-lock-solution"),
            "counter-lock",
        )
        .run();
        out.assert_success();
        assert_eq!(
            out.lines(),
            ["total: 8000"],
            "4 processes x 2,000 increments"
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
