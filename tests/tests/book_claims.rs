//! Claims of the book's pages that are about numbers rather than about a
//! recipe's usual output: each test names the page whose sentence it backs.

use cookbook_tests::Run;
use cookbook_tests::manifest::mpi::Mpi;

/// The value printed after `label` on `reduce-float`'s output.
fn value(lines: &[&str], label: &str) -> f64 {
    let line = lines
        .iter()
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("no {label:?} line in {lines:?}"));
    line[label.len()..]
        .trim()
        .parse()
        .unwrap_or_else(|e| panic!("{line}: {e}"))
}

/// `mpi/reduce.md`: floating-point addition is not associative, and a
/// reduction's result depends on the grouping MPI chose.
#[test]
fn float_sums_depend_on_their_grouping() {
    let big = 1e16_f64;
    // The rounding the page explains, in plain Rust: an f64 near 1e16
    // holds only even numbers.
    assert_eq!((big + 1.0) + 1.0, big);
    assert_eq!(big + (1.0 + 1.0), big + 2.0);
    assert_ne!((big + 1.0) + 1.0, big + (1.0 + 1.0));
    assert_eq!(big + 3.0, big + 4.0, "3.0 rounds up to 4 next to 1e16");

    for np in 1..=5_u32 {
        let out = Run::recipe("reduce-float")
            .args(["--np", &np.to_string()])
            .timeout(std::time::Duration::from_secs(60))
            .run_ok();
        let lines = out.lines();
        let ones = f64::from(np - 1);
        let left_to_right = value(&lines, "left to right:");
        let ones_first = value(&lines, "ones first:");
        let reduced = value(&lines, "MPI's reduce:");
        assert_eq!(left_to_right, big, "np {np}: every 1.0 is lost");
        assert_eq!(ones_first, big + ones, "np {np}: the ones survive together");
        // Some grouping of the values gives MPI's result: an even number
        // between the two extremes.
        assert!(
            (left_to_right..=ones_first).contains(&reduced) && reduced % 2.0 == 0.0,
            "np {np}: {reduced} is no grouping's sum"
        );
        if np == 4 {
            // The page's run: three orders, three answers under MPICH;
            // Open MPI's reduce adds in another order (the page says so).
            let mpi_gives = match Mpi::from_env() {
                Mpi::Mpich => big + 2.0,
                Mpi::OpenMpi => big + 4.0,
            };
            assert_eq!(
                (left_to_right, ones_first, reduced),
                (big, big + 4.0, mpi_gives)
            );
        }
    }
}
