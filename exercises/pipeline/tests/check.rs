use cookbook_tests::exercise;

#[test]
fn three_stages_add_one_to_each_square() {
    let out = exercise(
        env!("CARGO_BIN_EXE_pipeline"),
        env!("CARGO_BIN_EXE_pipeline-solution"),
        "pipeline",
    )
    .run();
    out.assert_success();
    let mut expected: Vec<String> = (0..10u64).map(|i| (i * i + 1).to_string()).collect();
    expected.push("End".into());
    assert_eq!(out.lines(), expected);
}
