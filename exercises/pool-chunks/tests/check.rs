use cookbook_tests::{Run, exercise};

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
    // The task count is the program's own word; how often it waited is
    // not. Twenty round trips wait about as often as the reference's do;
    // 20,000 wait thousands of times, however fast the machine.
    let reference = (0..2)
        .map(|_| {
            Run::program(env!("CARGO_BIN_EXE_pool-chunks-solution"), "reference")
                .run_ok()
                .waits
        })
        .max()
        .unwrap_or_default();
    assert!(
        out.waits <= reference * 4 + 100,
        "the program and its workers waited {} times, the reference with 20 tasks {reference}: \
         were there really 20 tasks?",
        out.waits
    );
}
