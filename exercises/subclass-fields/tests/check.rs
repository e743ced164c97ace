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
fn each_greeter_says_its_own_greeting() {
    let out = exercise(
        env!("CARGO_BIN_EXE_subclass-fields"),
        env!("CARGO_BIN_EXE_subclass-fields-solution"),
        "subclass-fields",
    )
    .run();
    out.assert_success();
    let lines = out.lines();
    let seen = with_pids(&lines);
    assert_eq!(
        seen.len(),
        lines.len(),
        "every line ends with its pid: {lines:?}"
    );
    from_children(&seen, out.pid, &out.stdout);
    let greetings: Vec<&str> = seen.iter().map(|s| s.0).collect();
    assert_eq!(
        greetings,
        [
            "bonjour from Greeter-1",
            "hola from Greeter-2",
            "hallo from Greeter-3"
        ]
    );
}
