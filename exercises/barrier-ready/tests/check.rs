use cookbook_tests::exercise;

#[test]
fn every_ready_comes_before_any_go() {
    let out = exercise(
        env!("CARGO_BIN_EXE_barrier-ready"),
        env!("CARGO_BIN_EXE_barrier-ready-solution"),
        "barrier-ready",
    )
    .time_scale(1.0)
    .run();
    out.assert_success();
    let lines = out.lines();
    assert_eq!(lines.len(), 8, "{lines:?}");
    let last_ready = lines.iter().rposition(|l| l.ends_with(" ready")).unwrap();
    let first_go = lines.iter().position(|l| l.ends_with(" go")).unwrap();
    assert!(
        last_ready < first_go,
        "a worker went before all were ready: {lines:?}"
    );
}
