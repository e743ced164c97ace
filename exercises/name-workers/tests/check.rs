use cookbook_tests::exercise;

/// The lines whose text (after `prefix`) ends in " (pid P)": (text, P).
fn with_pids<'a>(lines: &[&'a str]) -> Vec<(&'a str, i32)> {
    lines
        .iter()
        .filter_map(|l| {
            let (text, pid) = l.rsplit_once(" (pid ")?;
            Some((text, pid.strip_suffix(')')?.parse().ok()?))
        })
        .collect()
}

/// Panics unless the pids are all different and none is the main process's.
fn from_children(seen: &[(&str, i32)], parent: i32, stdout: &str) {
    let mut pids: Vec<i32> = seen.iter().map(|s| s.1).collect();
    assert!(
        !pids.contains(&parent),
        "a line came from the main process, not from a child: {stdout}"
    );
    pids.sort();
    pids.dedup();
    assert_eq!(
        pids.len(),
        seen.len(),
        "one process per line, each its own: {stdout}"
    );
}

#[test]
fn each_child_knows_its_name() {
    let out = exercise(
        env!("CARGO_BIN_EXE_name-workers"),
        env!("CARGO_BIN_EXE_name-workers-solution"),
        "name-workers",
    )
    .run();
    out.assert_success();
    // The main process says the run's tag first; a child can only learn it
    // by being given it, as its name.
    let p = out.pid;
    let lines = out.lines();
    let tag = lines
        .first()
        .and_then(|l| l.strip_prefix("tag "))
        .and_then(|l| l.strip_suffix(&format!(" (pid {p})")))
        .unwrap_or_else(|| {
            panic!("the main process should say the run's tag first (leave that line): {lines:?}")
        });
    let lines = &lines[1..];
    let mut seen = with_pids(lines);
    assert_eq!(
        seen.len(),
        lines.len(),
        "every line ends with its pid: {lines:?}"
    );
    from_children(&seen, p, &out.stdout);
    seen.sort();
    let names: Vec<&str> = seen.iter().map(|s| s.0).collect();
    // A child that prints a name written in, or one it makes up (from its
    // parent's pid, say), instead of the one it was given, fails.
    let want: Vec<String> = (1..=3).map(|i| format!("I am worker-{tag}-{i}")).collect();
    assert_eq!(names, want, "the names the parent gave: {lines:?}");
}
