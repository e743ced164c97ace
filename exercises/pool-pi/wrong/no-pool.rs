// The 8 batches run one after another in the main process: the answer
// is right, but the pool is never used. The check sees it from the pid
// each batch prints: the main process's own.

use common::Pool;

const BATCHES: u64 = 8;
const POINTS: u64 = 250_000;

/// How many of `POINTS` pseudo-random points fall inside the quarter circle.
/// Prints a line saying so, with the pid of the process that ran it.
fn count_hits(seed: u64) -> u64 {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let hits = (0..POINTS)
        .filter(|_| {
            let (x, y) = (next(), next());
            x * x + y * y <= 1.0
        })
        .count() as u64;
    // Each batch says which process ran it (leave this line as it is).
    println!(
        "batch {seed}: {hits} hits in process {}",
        std::process::id()
    );
    hits
}

fn main() -> std::process::ExitCode {
    common::main(|| {
        let pool = Pool::new(4)?;
        let _ = &pool;
        let hits: u64 = (0..BATCHES).map(count_hits).sum();
        let pi = 4.0 * hits as f64 / (BATCHES * POINTS) as f64;
        println!("pi is about {pi:.4} ({BATCHES} batches)");
        Ok(())
    })
}
