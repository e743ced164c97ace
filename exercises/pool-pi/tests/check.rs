use cookbook_tests::exercise;

#[test]
fn eight_batches_estimate_pi() {
    let out = exercise(
        env!("CARGO_BIN_EXE_pool-pi"),
        env!("CARGO_BIN_EXE_pool-pi-solution"),
        "pool-pi",
    )
    .run();
    out.assert_success();
    let line = out.lines().first().copied().unwrap_or_default().to_string();
    assert!(
        line.ends_with("(8 batches)"),
        "all 8 batches must count: {line}"
    );
    let pi: f64 = line
        .split(' ')
        .nth(3)
        .and_then(|v| v.parse().ok())
        .expect("pi is about <value>");
    assert!(
        (pi - std::f64::consts::PI).abs() < 0.01,
        "{pi} is too far from pi"
    );
}
