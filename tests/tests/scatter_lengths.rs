//! What rsmpi's scatter does with a root list of the wrong length, as the
//! scatter page says: each rank is sent the list's length divided by the
//! number of ranks, so a long list silently loses its tail and a short one
//! leaves ranks waiting for ever under MPICH (here ended by the recipe's
//! watchdog), while Open MPI lets them go on with garbage.

use cookbook_tests::Run;
use cookbook_tests::manifest::mpi::Mpi;
use std::time::Duration;

#[test]
fn a_long_list_silently_loses_its_tail() {
    let out = Run::recipe("scatter")
        .args(["--np", "4", "--values", "6"])
        .timeout(Duration::from_secs(20))
        .run_ok();
    let mut lines = out.lines();
    lines.sort();
    assert_eq!(
        lines,
        (0..4)
            .map(|r| format!("process = {r} variable shared  = {}", r + 1))
            .collect::<Vec<_>>(),
        "5 and 6 are never sent, and nothing says so"
    );
    assert!(out.stderr.is_empty(), "{}", out.stderr);
}

#[test]
fn a_short_list_leaves_the_other_ranks_waiting() {
    let out = Run::recipe("scatter")
        .args(["--np", "4", "--values", "2"])
        .timeout(Duration::from_secs(20))
        .run();
    out.assert_clean();
    if Mpi::from_env() == Mpi::OpenMpi {
        // Open MPI does not wait: every rank prints, the root its unchanged
        // 0, the others what an internal buffer held (the page says so).
        out.assert_success();
        let mut ranks: Vec<i32> = out
            .lines()
            .into_iter()
            .filter_map(|l| {
                l.strip_prefix("process = ")?
                    .split(' ')
                    .next()?
                    .parse()
                    .ok()
            })
            .collect();
        ranks.sort_unstable();
        assert_eq!(ranks, [0, 1, 2, 3], "{}", out.stdout);
        assert!(out.stdout.contains("process = 0 variable shared  = 0"));
        return;
    }
    assert_ne!(out.code(), 0, "{}", out.stderr);
    // The root is sent nothing either, and goes on with its buffer unchanged;
    // no other rank gets as far as printing. (MPICH's launcher adds its own
    // banner about the ranks it had to end.)
    let printed: Vec<&str> = out
        .lines()
        .into_iter()
        .filter(|l| l.starts_with("process = "))
        .collect();
    assert_eq!(printed, ["process = 0 variable shared  = 0"]);
    for rank in 1..4 {
        assert!(
            out.stderr.contains(&format!(
                "rank {rank}: stuck in scatter for 2.0 s: deadlock: the root's list of 2 numbers gives each of the 4 ranks 0 of them"
            )),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn a_list_of_no_numbers_is_refused() {
    Run::recipe("scatter")
        .args(["--values", "0"])
        .timeout(Duration::from_secs(20))
        .run()
        .assert_usage_error();
}
