use cookbook_tests::{Run, exercise};
use std::time::Duration;

#[test]
fn twenty_chunks_give_every_square_in_order() {
    let out = exercise(
        env!("CARGO_BIN_EXE_pool-chunks"),
        env!("CARGO_BIN_EXE_pool-chunks-solution"),
        "pool-chunks",
    )
    .run();
    out.assert_success();
    let sum: u64 = (0..20_000u64).map(|i| i * i).sum();
    assert_eq!(
        out.lines(),
        [format!("20000 results in order: true, sum {sum}, tasks 20").as_str()]
    );
    // The task count is the program's own word: the time is not. Twenty
    // round trips cost about what the reference's do; 20,000 cost far more.
    let reference = (0..2)
        .map(|_| {
            Run::program(env!("CARGO_BIN_EXE_pool-chunks-solution"), "reference")
                .run_ok()
                .elapsed
        })
        .max()
        .unwrap_or_default();
    assert!(
        out.elapsed < reference * 3 + Duration::from_millis(300),
        "the run took {:?}, the reference with 20 tasks {reference:?}: were there really 20 tasks?",
        out.elapsed
    );
}
