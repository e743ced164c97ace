use cookbook_tests::exercise;

/// The exercise's own `count_hits`, to know the exact answer for any count.
fn count_hits(seed: u64) -> u64 {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..500_000)
        .filter(|_| {
            let (x, y) = (next(), next());
            x * x + y * y <= 1.0
        })
        .count() as u64
}

#[test]
fn rank_0_prints_one_estimate_from_every_rank() {
    // Two rank counts, started from here: rank 0's own estimate, or a
    // total divided by a size written in, gives the wrong digits at one.
    for np in [2u64, 3] {
        let out = exercise(
            env!("CARGO_BIN_EXE_mpi-pi"),
            env!("CARGO_BIN_EXE_mpi-pi-solution"),
            "mpi-pi",
        )
        .ranks(np as u32)
        .trace_mpi()
        .run();
        out.assert_success();
        // What each rank did, recorded outside the program: the hits are added up by a reduce.
        out.assert_each_rank_called(np as usize, &["Reduce|Allreduce"]);
        let hits: u64 = (1..=np).map(count_hits).sum();
        let pi = 4.0 * hits as f64 / (500_000 * np) as f64;
        assert_eq!(
            out.lines(),
            [format!("pi is about {pi:.4}").as_str()],
            "with {np} ranks: one line, from rank 0, with the hits of all {np} ranks"
        );
    }
}
