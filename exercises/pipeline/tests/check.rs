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
    let lines = out.lines();
    let (stages, numbers): (Vec<&str>, Vec<&str>) =
        lines.iter().partition(|l| l.starts_with("stage "));
    let mut expected: Vec<String> = (0..10u64).map(|i| (i * i + 1).to_string()).collect();
    expected.push("End".into());
    assert_eq!(numbers, expected);
    // Each stage said where it runs: two stages, two processes, neither
    // the main one.
    let mut seen: Vec<(&str, i32)> = stages
        .iter()
        .filter_map(|l| {
            let (name, pid) = l.strip_prefix("stage ")?.split_once(" (pid ")?;
            Some((name, pid.strip_suffix(')')?.parse().ok()?))
        })
        .collect();
    seen.sort();
    let names: Vec<&str> = seen.iter().map(|s| s.0).collect();
    assert_eq!(
        names,
        ["plus_one", "squares"],
        "each stage says where it runs: {lines:?}"
    );
    assert!(
        seen.iter().all(|s| s.1 != out.pid) && seen[0].1 != seen[1].1,
        "each stage must run in a process of its own, not in the main one: {lines:?}"
    );
}
