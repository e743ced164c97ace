//! The MPI recipes, each at its default rank count and at others (1 where
//! it makes sense, and odd counts), checking the values against what a
//! plain loop computes. Most runs go through `cargo run`'s path (the recipe
//! re-launches itself under mpiexec); some start under `mpiexec` directly.
//! Every run has a timeout and must leave no process behind.

use cookbook_tests::{Outcome, Run, Target, bin, manifest};
use manifest::mpi::Mpi;
use nix::sys::signal::Signal;
use std::time::Duration;

/// Runs a recipe the way `cargo run --bin <recipe> -- --np <np>` does.
fn mpi(recipe: &str, np: Option<u32>, args: &[&str]) -> Outcome {
    let mut run = Run::recipe(recipe).args(args);
    if let Some(np) = np {
        run = run.args(["--np", &np.to_string()]);
    }
    let out = run.run();
    out.assert_success();
    out
}

/// Runs `mpiexec -n <np> target/.../<recipe> <args>`.
fn direct(recipe: &str, np: u32, args: &[&str]) -> Outcome {
    let exe = bin(recipe);
    // The launcher of the MPI the recipes were built with (`--mpi` of `cargo xtask test`).
    Run::program(Mpi::from_env().mpiexec(), recipe)
        .args(["-n", &np.to_string(), exe.to_str().unwrap()])
        .args(args)
        .run()
}

fn sorted(out: &Outcome) -> Vec<String> {
    let mut lines: Vec<String> = out.lines().iter().map(|l| l.to_string()).collect();
    lines.sort();
    lines
}

fn sorted_strings(mut lines: Vec<String>) -> Vec<String> {
    lines.sort();
    lines
}

/// The numbers inside the `[...]` groups of a line, in order.
fn arrays(line: &str) -> Vec<Vec<i64>> {
    line.split('[')
        .skip(1)
        .map(|part| {
            part.split(']')
                .next()
                .unwrap()
                .split_whitespace()
                .map(|n| n.parse().unwrap())
                .collect()
        })
        .collect()
}

#[test]
fn hello_prints_one_line_per_rank() {
    for np in [None, Some(1), Some(2), Some(3), Some(7)] {
        let out = mpi("hello", np, &[]);
        let n = np.unwrap_or(5);
        let expected: Vec<String> = (0..n)
            .map(|r| format!("hello world from process {r}"))
            .collect();
        assert_eq!(sorted(&out), sorted_strings(expected), "np {np:?}");
    }
    let out = direct("hello", 3, &[]);
    out.assert_success();
    assert_eq!(out.lines().len(), 3);
}

#[test]
fn point_to_point_delivers_both_values() {
    for (np, number, text) in [
        (None, "10000000", "hello"),
        (Some(10), "-42", "héllo wörld"),
        (Some(11), "7", "x"),
    ] {
        let out = mpi("point-to-point", np, &["--number", number, "--text", text]);
        let n = np.unwrap_or(9);
        let mut expected: Vec<String> = (0..n).map(|r| format!("my rank is : {r}")).collect();
        expected.push(format!("sending data {number} to process 4"));
        expected.push(format!("sending data {text} :to process 8"));
        expected.push(format!("data received is = {number}"));
        expected.push(format!("data1 received is = {text}"));
        assert_eq!(sorted(&out), sorted_strings(expected), "np {np:?}");
    }
}

#[test]
fn point_to_point_with_too_few_ranks_says_it_needs_nine() {
    let out = Run::recipe("point-to-point").args(["--np", "3"]).run();
    out.assert_usage_error();
    assert!(
        out.stderr.contains("at least 9 processes"),
        "{}",
        out.stderr
    );
    // Started by mpiexec directly: the ranks find out themselves, and one says so.
    let out = direct("point-to-point", 3, &[]);
    assert_ne!(out.code(), 0);
    assert_eq!(
        out.stderr.matches("at least 9 processes").count(),
        1,
        "{}",
        out.stderr
    );
    out.assert_clean();
}

fn exchange_lines(bytes: u32) -> Vec<String> {
    let show = |c: char| {
        if bytes == 1 {
            c.to_string()
        } else {
            format!("{c}... ({bytes} bytes)")
        }
    };
    sorted_strings(vec![
        format!("sending data {} to process 5", show('a')),
        format!("data received is = {}", show('b')),
        format!("sending data {} :to process 1", show('b')),
        format!("data received is = {}", show('a')),
    ])
}

#[test]
fn deadlock_safe_variants_complete() {
    for (variant, np, bytes) in [
        (None, None, 1),
        (Some("one-first"), Some(6), 1_000_000),
        (Some("sendrecv"), Some(7), 1),
        (Some("sendrecv"), Some(6), 1_000_000),
        (Some("send-first"), Some(6), 1),
    ] {
        let mut args = vec!["--bytes".to_string(), bytes.to_string()];
        if let Some(v) = variant {
            args.extend(["--variant".to_string(), v.to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = mpi("deadlock", np, &args);
        assert_eq!(sorted(&out), exchange_lines(bytes), "{variant:?} {bytes}");
    }
}

fn assert_watchdog_fired(out: &Outcome, call: &str, limit: Duration) {
    assert_ne!(out.code(), 0, "{}", out.stderr);
    for (rank, partner) in [(1, 5), (5, 1)] {
        let line = format!("rank {rank}: stuck in {call} rank {partner} for 1.0 s: deadlock: ");
        assert!(
            out.stderr.contains(&line),
            "missing {line:?} in\n{}",
            out.stderr
        );
    }
    assert!(out.elapsed < limit, "took {:?}", out.elapsed);
    out.assert_clean();
    if Mpi::from_env() == Mpi::OpenMpi {
        // Two ranks ended without MPI_Finalize, which would leave their
        // shared-memory segments in /dev/shm: the janitor keeps a run's in a
        // folder of its own and removes it (common/src/mpi/open_mpi.rs), so
        // none stands in /dev/shm itself, and no folder outlives its run.
        let left: Vec<String> = cookbook_tests::dev_shm()
            .into_iter()
            .filter(|name| {
                name.starts_with("vader_segment.")
                    || name
                        .strip_prefix("cookbook-openmpi-")
                        .and_then(|pid| pid.parse::<i32>().ok())
                        .is_some_and(|pid| {
                            nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_err()
                        })
                        // Another test's janitor may have removed it since the listing.
                        && std::path::Path::new("/dev/shm").join(name).exists()
            })
            .collect();
        assert!(left.is_empty(), "left in /dev/shm: {left:?}");
    }
}

#[test]
fn deadlock_receive_first_is_stopped_by_the_watchdog() {
    let out = Run::recipe("deadlock")
        .args(["--variant", "recv-first", "--timeout", "1", "--np", "6"])
        .run();
    assert_watchdog_fired(&out, "receive from", Duration::from_secs(8));
    assert!(
        out.stderr.contains("neither gets to its send"),
        "{}",
        out.stderr
    );
}

#[test]
fn deadlock_send_first_deadlocks_past_the_eager_limit() {
    let out = Run::recipe("deadlock")
        .args([
            "--variant",
            "send-first",
            "--bytes",
            "1000000",
            "--timeout",
            "1",
        ])
        .run();
    assert_watchdog_fired(&out, "send to", Duration::from_secs(8));
    assert!(out.stderr.contains("eager limit"), "{}", out.stderr);
}

#[test]
fn broadcast_reaches_every_rank() {
    for (np, value) in [
        (None, "100"),
        (Some(1), "100"),
        (Some(4), "-3"),
        (Some(7), "123456789"),
    ] {
        let out = mpi("broadcast", np, &["--value", value]);
        let expected: Vec<String> = (0..np.unwrap_or(10))
            .map(|r| format!("process = {r} variable shared  = {value}"))
            .collect();
        assert_eq!(sorted(&out), sorted_strings(expected), "np {np:?}");
    }
}

#[test]
fn scatter_gives_rank_r_the_value_r_plus_1() {
    for np in [None, Some(1), Some(3), Some(6)] {
        let out = mpi("scatter", np, &[]);
        let expected: Vec<String> = (0..np.unwrap_or(10))
            .map(|r| format!("process = {r} variable shared  = {}", r + 1))
            .collect();
        assert_eq!(sorted(&out), sorted_strings(expected), "np {np:?}");
    }
    let out = direct("scatter", 5, &[]);
    out.assert_success();
    assert!(out.lines().contains(&"process = 4 variable shared  = 5"));
}

#[test]
fn gather_prints_what_arrived_in_rank_order() {
    for np in [None, Some(1), Some(2), Some(7)] {
        let out = mpi("gather", np, &[]);
        let mut expected = vec!["rank = 0 ...receiving data to other process".to_string()];
        expected.extend((1..np.unwrap_or(5)).map(|i| {
            format!(
                " process 0 receiving {} from process {i}",
                (i + 1) * (i + 1)
            )
        }));
        assert_eq!(out.lines(), expected, "np {np:?}");
    }
}

#[test]
fn alltoall_matches_a_plain_loop() {
    for np in [None, Some(1), Some(3), Some(6)] {
        let out = mpi("alltoall", np, &[]);
        let n = np.unwrap_or(5) as i64;
        let mut seen = 0;
        for line in out.lines() {
            let rank: i64 = line.split(' ').nth(1).unwrap().parse().unwrap();
            let got = arrays(line);
            let sent: Vec<i64> = (0..n).map(|j| (rank + 1) * j).collect();
            // Rank j receives element j of every rank i's array: (i+1)*j.
            let received: Vec<i64> = (0..n).map(|i| (i + 1) * rank).collect();
            assert_eq!(got, [sent, received], "np {n}: {line}");
            seen += 1;
        }
        assert_eq!(seen, n, "np {n}");
    }
    let out = direct("alltoall", 5, &[]);
    out.assert_success();
    assert!(
        out.lines()
            .contains(&"process 1 sending [0 2 4 6 8] receiving [1 2 3 4 5]")
    );
}

#[test]
fn reduce_matches_a_plain_loop_for_every_operation() {
    for np in [None, Some(1), Some(4), Some(5)] {
        for op in ["sum", "prod", "min", "max"] {
            let out = mpi("reduce", np, &["--op", op]);
            let n = np.unwrap_or(3) as i64;
            let expected: Vec<i64> = (0..n)
                .map(|j| {
                    let column = (0..n).map(|r| (r + 1) * j);
                    match op {
                        "sum" => column.sum(),
                        "prod" => column.product(),
                        "min" => column.min().unwrap(),
                        _ => column.max().unwrap(),
                    }
                })
                .collect();
            let root: Vec<&str> = out
                .lines()
                .into_iter()
                .filter(|l| l.starts_with("on task"))
                .collect();
            assert_eq!(root.len(), 1, "{:?}", out.lines());
            assert!(
                root[0].starts_with("on task 0 after Reduce: data = ["),
                "{}",
                root[0]
            );
            assert_eq!(arrays(root[0]), [expected], "np {n} {op}");
            assert_eq!(out.lines().len() as i64, n + 1);
        }
    }
    let out = mpi("reduce", None, &[]);
    assert!(
        out.lines()
            .contains(&"on task 0 after Reduce: data = [ 0  6 12]")
    );
}

/// The line topology prints for `rank` in a rows x cols grid.
fn neighbours_line(rank: i32, rows: i32, cols: i32, torus: bool) -> String {
    let (i, j) = (rank / cols, rank % cols);
    let at = |i: i32, j: i32| -> i32 {
        if torus {
            i.rem_euclid(rows) * cols + j.rem_euclid(cols)
        } else if (0..rows).contains(&i) && (0..cols).contains(&j) {
            i * cols + j
        } else {
            -1
        }
    };
    format!(
        "Process = {rank} row = {i} column = {j} ----> neighbour_processes[UP] = {} neighbour_processes[DOWN] = {} neighbour_processes[LEFT] = {} neighbour_processes[RIGHT] = {}",
        at(i - 1, j),
        at(i + 1, j),
        at(i, j - 1),
        at(i, j + 1)
    )
}

/// The book's tables for 2 x 2: (UP, DOWN, LEFT, RIGHT) of ranks 0..4.
#[test]
fn topology_2x2_matches_the_books_tables() {
    let mesh = [
        (-1, 2, -1, 1),
        (-1, 3, 0, -1),
        (0, -1, -1, 3),
        (1, -1, 2, -1),
    ];
    let torus = [(2, 2, 1, 1), (3, 3, 0, 0), (0, 0, 3, 3), (1, 1, 2, 2)];
    for (flag, table) in [(None, mesh), (Some("--torus"), torus)] {
        let out = mpi("topology", None, flag.as_slice());
        let mut expected = vec!["Building a 2 x 2 grid topology:".to_string()];
        for (rank, (up, down, left, right)) in table.iter().enumerate() {
            let (row, col) = (rank / 2, rank % 2);
            expected.push(format!("Process = {rank} row = {row} column = {col} ----> neighbour_processes[UP] = {up} neighbour_processes[DOWN] = {down} neighbour_processes[LEFT] = {left} neighbour_processes[RIGHT] = {right}"));
            // The formula the other grid sizes are checked with agrees with the book.
            assert_eq!(
                expected.last().unwrap(),
                &neighbours_line(rank as i32, 2, 2, flag.is_some())
            );
        }
        assert_eq!(sorted(&out), sorted_strings(expected), "{flag:?}");
    }
}

#[test]
fn topology_is_right_for_other_grids_and_names_ranks_left_out() {
    for (np, rows, cols) in [(6, 2, 3), (1, 1, 1), (9, 3, 3)] {
        for torus in [false, true] {
            let flag: &[&str] = if torus { &["--torus"] } else { &[] };
            let out = mpi("topology", Some(np), flag);
            let mut expected = vec![format!("Building a {rows} x {cols} grid topology:")];
            expected.extend((0..np as i32).map(|r| neighbours_line(r, rows, cols, torus)));
            assert_eq!(
                sorted(&out),
                sorted_strings(expected),
                "np {np} torus {torus}"
            );
        }
    }
    let out = mpi("topology", Some(5), &[]);
    assert!(
        out.lines()
            .contains(&"Process = 4 is not in the 2 x 2 grid: 5 processes leave 1 over"),
        "{:?}",
        out.lines()
    );
    assert_eq!(out.lines().len(), 6);
}

#[test]
fn each_recipe_launches_its_manifest_rank_count_with_the_launcher_named_by_mpiexec() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let script = dir.join("fake-mpiexec");
    std::fs::write(&script, "#!/bin/sh\necho \"launcher args: $*\"\n").unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    for recipe in manifest::load().recipe.iter().filter(|r| r.is_mpi()) {
        let np = recipe.np.expect("MPI recipes have np in recipes.toml");
        let exe = bin(&recipe.name);
        let launcher = format!("{} --extra-flag", script.display());
        let out = Run::recipe(&recipe.name).env("MPIEXEC", &launcher).run();
        out.assert_success();
        assert_eq!(
            out.stdout.trim(),
            format!("launcher args: --extra-flag -n {np} {}", exe.display()),
            "{}",
            recipe.name
        );
        let out = Run::recipe(&recipe.name)
            .env("MPIEXEC", &launcher)
            .args(["--np", "11"])
            .run();
        assert_eq!(
            out.stdout.trim(),
            format!(
                "launcher args: --extra-flag -n 11 {} --np 11",
                exe.display()
            )
        );
    }
}

#[test]
fn bad_rank_counts_and_a_missing_launcher_are_one_line_errors() {
    for recipe in manifest::load().recipe.iter().filter(|r| r.is_mpi()) {
        for bad in ["0", "-1", "x", "65"] {
            let out = Run::recipe(&recipe.name).args(["--np", bad]).run();
            out.assert_usage_error();
            assert!(out.stderr.contains(&format!("'{bad}'")), "{}", out.stderr);
        }
    }
    let out = Run::recipe("hello")
        .env("MPIEXEC", "/nonexistent/mpiexec")
        .run();
    out.assert_usage_error();
    assert!(
        out.stderr
            .contains("cannot run the MPI launcher '/nonexistent/mpiexec'"),
        "{}",
        out.stderr
    );
    // Under a launcher, --np must agree with it.
    let out = direct("hello", 2, &["--np", "3"]);
    assert_ne!(out.code(), 0);
    assert!(
        out.stderr
            .contains("--np 3 was given, but the launcher started 2 processes"),
        "{}",
        out.stderr
    );
    out.assert_clean();
}

#[test]
fn more_ranks_than_cores_still_finish_promptly() {
    // The reference: 2 ranks, on this machine, now. Eight times the ranks
    // may take eight times as long to start, not the seconds that ranks
    // spinning for a core would; a loaded machine slows both runs alike.
    let reference = mpi("broadcast", Some(2), &[]).elapsed;
    let limit = (reference * 8).max(Duration::from_secs(10));
    let out = mpi("broadcast", Some(16), &[]);
    assert_eq!(out.lines().len(), 16);
    assert!(
        out.elapsed < limit,
        "{:?} (2 ranks: {reference:?})",
        out.elapsed
    );
}

#[test]
fn killing_the_recipe_takes_its_ranks_down() {
    // The ranks are stuck for good (the watchdog waits a minute): only the
    // kill can end them. The reference: a run of as many ranks that ends.
    let reference = mpi("deadlock", Some(6), &[]).elapsed;
    let limit = Duration::from_millis(1500) + (reference * 4).max(Duration::from_millis(8500));
    for (signal, target) in [
        (Signal::SIGKILL, Target::Parent),
        (Signal::SIGINT, Target::Group),
    ] {
        let out = Run::recipe("deadlock")
            .args(["--variant", "recv-first", "--timeout", "60", "--np", "6"])
            .signal_after(Duration::from_millis(1500), signal, target)
            // Open MPI's mpiexec takes 2 to 3 s to end its job and itself
            // after the signal (measured here); MPICH's, a moment.
            .grace(match Mpi::from_env() {
                Mpi::Mpich => Duration::from_secs(3),
                Mpi::OpenMpi => Duration::from_secs(8),
            })
            .timeout(Duration::from_secs(30))
            .run();
        assert_ne!(out.code(), 0);
        out.assert_clean();
        assert!(
            out.elapsed < limit,
            "{signal:?}: {:?} (a run that ends: {reference:?})",
            out.elapsed
        );
    }
}

#[test]
fn a_launcher_from_another_mpi_is_caught() {
    // What the other implementation's mpiexec sets, around a program built
    // with this one: the library sees a lone process, the launcher said three.
    let (marks, built_with) = match Mpi::from_env() {
        Mpi::Mpich => (
            [("OMPI_COMM_WORLD_RANK", "0"), ("OMPI_COMM_WORLD_SIZE", "3")],
            "(MPICH)",
        ),
        Mpi::OpenMpi => ([("PMI_RANK", "0"), ("PMI_SIZE", "3")], "(Open MPI)"),
    };
    let mut run = Run::recipe("hello");
    for (name, value) in marks {
        run = run.env(name, value);
    }
    let out = run.run();
    assert_eq!(out.code(), 1);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(
        out.stderr
            .contains("the launcher started 3 processes but MPI sees 1"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains(built_with), "{}", out.stderr);
    out.assert_clean();
}

/// The deadlock page gives this machine's eager limit (MPICH 4.0, ch4:ucx):
/// 8,200 bytes each way complete with both ranks sending first, 8,300 do not.
#[test]
fn deadlock_the_eager_limit_lies_between_8200_and_8300_bytes() {
    if Mpi::from_env() != Mpi::Mpich {
        // The page's figure is MPICH's; Open MPI's limits are its own.
        cookbook_tests::skip(
            "deadlock_the_eager_limit_lies_between_8200_and_8300_bytes",
            "the page's eager limit is MPICH's; Open MPI's differs",
        );
        return;
    }
    let out = mpi(
        "deadlock",
        Some(6),
        &[
            "--variant",
            "send-first",
            "--bytes",
            "8200",
            "--timeout",
            "5",
        ],
    );
    assert_eq!(sorted(&out), exchange_lines(8200));
    let out = Run::recipe("deadlock")
        .args([
            "--variant",
            "send-first",
            "--bytes",
            "8300",
            "--timeout",
            "1",
            "--np",
            "6",
        ])
        .run();
    assert_watchdog_fired(&out, "send to", Duration::from_secs(8));
}
