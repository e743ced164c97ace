use cookbook_tests::exercise;

/// The exercise's own `count_hits`, for the exact answer.
fn count_hits(seed: u64) -> u64 {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..250_000)
        .filter(|_| {
            let (x, y) = (next(), next());
            x * x + y * y <= 1.0
        })
        .count() as u64
}

#[test]
fn eight_batches_run_in_the_workers_and_estimate_pi() {
    let out = exercise(
        env!("CARGO_BIN_EXE_pool-pi"),
        env!("CARGO_BIN_EXE_pool-pi-solution"),
        "pool-pi",
    )
    .run();
    out.assert_success();
    let lines = out.lines();
    // What each batch printed itself, with the pid of the process it ran in.
    let mut batches: Vec<(u64, u64, i32)> = lines
        .iter()
        .filter_map(|l| {
            let rest = l.strip_prefix("batch ")?;
            let (seed, rest) = rest.split_once(": ")?;
            let (hits, pid) = rest.split_once(" hits in process ")?;
            Some((seed.parse().ok()?, hits.parse().ok()?, pid.parse().ok()?))
        })
        .collect();
    batches.sort();
    let seeds: Vec<u64> = batches.iter().map(|b| b.0).collect();
    assert_eq!(
        seeds,
        (0..8).collect::<Vec<_>>(),
        "batches 0 to 7, once each: {lines:?}"
    );
    for (seed, hits, pid) in &batches {
        assert_eq!(*hits, count_hits(*seed), "batch {seed}'s hits");
        assert_ne!(
            *pid, out.pid,
            "batch {seed} ran in the main process, not in a worker of the pool"
        );
    }
    let hits: u64 = (0..8).map(count_hits).sum();
    let pi = 4.0 * hits as f64 / (8 * 250_000) as f64;
    let estimate: Vec<&&str> = lines
        .iter()
        .filter(|l| l.starts_with("pi is about"))
        .collect();
    assert_eq!(
        estimate,
        [&format!("pi is about {pi:.4} (8 batches)").as_str()],
        "one estimate, from the hits of all 8 batches"
    );
}
