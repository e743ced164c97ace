use cookbook_tests::{exercise, exercise_answer};
use std::time::Duration;

#[test]
fn all_five_run_at_the_same_time() {
    let program = exercise(
        env!("CARGO_BIN_EXE_spawn-all-first"),
        env!("CARGO_BIN_EXE_spawn-all-first-solution"),
        "spawn-all-first",
    );
    // The reference: the same program without its sleeps, on this machine, now.
    let overhead = program.overhead();
    let out = program.time_scale(0.5).run();
    out.assert_success();
    // What each process printed itself: its number and its pid.
    let mut seen: Vec<(u32, i32)> = out
        .lines()
        .iter()
        .filter_map(|l| {
            let rest = l.strip_prefix("called function in process: ")?;
            let (i, pid) = rest.split_once(" (pid ")?;
            Some((i.parse().ok()?, pid.strip_suffix(')')?.parse().ok()?))
        })
        .collect();
    assert_eq!(out.lines().len(), 5, "five lines: {}", out.stdout);
    seen.sort();
    let numbers: Vec<u32> = seen.iter().map(|s| s.0).collect();
    assert_eq!(
        numbers,
        [0, 1, 2, 3, 4],
        "each process prints its line once: {}",
        out.stdout
    );
    let mut pids: Vec<i32> = seen.iter().map(|s| s.1).collect();
    assert!(
        !pids.contains(&out.pid),
        "a line came from the main process, not a child: {}",
        out.stdout
    );
    pids.sort();
    pids.dedup();
    assert_eq!(pids.len(), 5, "five processes, five pids: {}", out.stdout);
    // Each process sleeps 0.5 s: at the same time the run takes one sleep
    // more than without them; one after another, five.
    let sleep = Duration::from_secs_f64(0.5);
    assert!(
        out.elapsed >= sleep,
        "the run took {:?}, less than the one sleep every process must do",
        out.elapsed
    );
    assert!(
        out.elapsed < overhead + sleep * 5 / 2,
        "the processes ran one after another: {:?} for five sleeps of 0.5 s (the run without them: {overhead:?})",
        out.elapsed
    );
}

#[test]
fn the_reason_for_the_new_order() {
    let answer = exercise_answer(env!("CARGO_MANIFEST_DIR"));
    assert!(
        answer.is_some(),
        "write the letter of your answer in exercises/spawn-all-first/answer.txt, as `answer: x` (the choices are in src/main.rs)"
    );
    assert_eq!(
        answer.as_deref(),
        Some("b"),
        "not that one: think about when each process prints"
    );
}
