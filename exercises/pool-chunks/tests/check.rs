use cookbook_tests::exercise;

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
}
