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
    // The task count is the program's own word; what it wrote is not.
    // Each task is a message of its own, so 20,000 tasks cost about 20,000
    // writes where the reference makes a few dozen, on any machine.
    let reference = Run::program(env!("CARGO_BIN_EXE_pool-chunks-solution"), "reference")
        .run_ok()
        .writes;
    assert!(
        out.writes.calls <= reference.calls * 2 + 100,
        "the program made {} writes, the reference with 20 tasks {}: were there really 20 tasks?",
        out.writes.calls,
        reference.calls
    );
}
