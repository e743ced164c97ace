use cookbook_tests::exercise;

#[test]
fn rank_0_prints_one_estimate_from_every_rank() {
    let out = exercise(
        env!("CARGO_BIN_EXE_mpi-pi"),
        env!("CARGO_BIN_EXE_mpi-pi-solution"),
        "mpi-pi",
    )
    .run();
    out.assert_success();
    let lines = out.lines();
    assert_eq!(lines.len(), 1, "only rank 0 prints: {lines:?}");
    let pi: f64 = lines[0]
        .split(' ')
        .nth(3)
        .and_then(|v| v.parse().ok())
        .expect("pi is about <value>");
    assert!(
        (pi - std::f64::consts::PI).abs() < 0.01,
        "{pi} is too far from pi"
    );
}
