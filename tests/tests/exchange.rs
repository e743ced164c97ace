//! Exchanging objects: the `queue` and `pipe` recipes, and `Queue` and
//! `Pipe` across real processes (through the `process-probe` helper), under
//! both start methods. Every run has a timeout and must leave nothing behind.

use cookbook_tests::{Outcome, Run, Target};
use nix::sys::signal::Signal;
use std::time::Duration;

use cookbook_tests::METHODS;

fn run(recipe: &str, method: &str, args: &[&str]) -> Outcome {
    Run::recipe(recipe).start_method(method).args(args).run_ok()
}

fn probe(case: &str, method: &str) -> Outcome {
    Run::probe(case, method).run_ok()
}

/// The items a queue run put and got, in the order each side printed them.
fn items(out: &Outcome) -> (Vec<u32>, Vec<u32>) {
    let number = |line: &str| line.split(' ').nth(4).unwrap().parse::<u32>().unwrap();
    let put = out
        .lines()
        .into_iter()
        .filter(|l| l.starts_with("Process Producer : item "))
        .map(number)
        .collect();
    let got = out
        .lines()
        .into_iter()
        .filter(|l| l.starts_with("Process Consumer : item "))
        .map(number)
        .collect();
    (put, got)
}

#[test]
fn queue_consumer_takes_every_item_in_order() {
    for method in METHODS {
        let out = run("queue", method, &[]);
        let (put, got) = items(&out);
        assert_eq!(put.len(), 10, "{method}: {}", out.stdout);
        assert!(put.iter().all(|&i| i <= 256));
        assert_eq!(got, put, "{method}");
        assert_eq!(out.lines().last(), Some(&"the queue is empty"));
        let sizes = out
            .lines()
            .into_iter()
            .filter(|l| l.starts_with("The size of queue is "))
            .count();
        assert_eq!(sizes, 10);
    }
}

#[test]
fn queue_seed_makes_the_items_reproducible() {
    let a = items(&run("queue", "spawn", &["--seed", "42"])).0;
    let b = items(&run("queue", "fork", &["--seed", "42"])).0;
    let c = items(&run("queue", "spawn", &["--seed", "43"])).0;
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn queue_with_many_producers_and_consumers_loses_and_duplicates_nothing() {
    for method in METHODS {
        let out = Run::recipe("queue")
            .time_scale(0.0)
            .args([
                "--start-method",
                method,
                "--items",
                "300",
                "--producers",
                "3",
                "--consumers",
                "4",
            ])
            .run();
        out.assert_success();
        let (mut put, mut got) = items(&out);
        assert_eq!(put.len(), 900, "{method}");
        let sum = |v: &[u32]| v.iter().map(|&i| u64::from(i)).sum::<u64>();
        assert_eq!(sum(&put), sum(&got), "checksum, {method}");
        put.sort_unstable();
        got.sort_unstable();
        assert_eq!(put, got, "{method}");
        assert_eq!(out.stdout.matches("the queue is empty").count(), 4);
    }
}

#[test]
fn queue_with_no_items_still_ends() {
    let out = run("queue", "spawn", &["--items", "0", "--consumers", "2"]);
    assert_eq!(out.lines(), ["the queue is empty", "the queue is empty"]);
}

#[test]
fn queue_ctrl_c_leaves_nothing_behind() {
    for method in METHODS {
        let out = Run::recipe("queue")
            .time_scale(1.0)
            .start_method(method)
            .signal_on("^Process Producer : item", Signal::SIGINT, Target::Group)
            .run();
        assert_eq!(out.code(), -2, "{method}");
        out.assert_clean();
    }
}

#[test]
fn pipe_prints_the_squares_then_end() {
    for method in METHODS {
        let out = run("pipe", method, &[]);
        let mut expected: Vec<String> = (0..10u64).map(|i| (i * i).to_string()).collect();
        expected.push("End".into());
        assert_eq!(out.lines(), expected, "{method}");

        let out = run("pipe", method, &["--items", "5000"]);
        assert_eq!(out.lines().len(), 5001);
        assert_eq!(out.lines()[4999], (4999u64 * 4999).to_string());
        let out = run("pipe", method, &["--items", "0"]);
        assert_eq!(out.lines(), ["End"]);
    }
}

#[test]
fn pipe_with_a_forgotten_writer_never_sees_end_of_file() {
    for method in METHODS {
        let out = Run::recipe("pipe")
            .args([
                "--start-method",
                method,
                "--keep-writer",
                "--patience",
                "0.5",
            ])
            .run();
        assert_eq!(out.code(), 1, "{method}: {}", out.stderr);
        assert_eq!(out.lines().len(), 11, "{}", out.stdout);
        assert!(!out.stdout.contains("End"));
        assert_eq!(
            out.lines()[10],
            "no end-of-file after 0.5 s: a writing end of the pipe is still open (this process holds one)"
        );
        assert_eq!(out.stderr.trim(), "error: gave up waiting for end-of-file");
        assert!(out.elapsed >= Duration::from_millis(500));
        out.assert_clean();
    }
}

#[test]
fn a_16_mib_message_crosses_a_queue_and_a_pipe_intact() {
    for method in METHODS {
        for case in ["queue-big", "pipe-big"] {
            let out = probe(case, method);
            let lines = out.lines();
            assert_eq!(lines.len(), 2, "{case} {method}");
            assert_eq!(lines[0].replace("sent", "got"), lines[1], "{case} {method}");
        }
    }
}

#[test]
fn a_peer_that_dies_gives_end_of_file_or_an_error_not_a_hang() {
    for method in METHODS {
        let out = probe("pipe-peer-dies", method);
        assert_eq!(out.lines(), ["first: 1", "then: end of file"], "{method}");

        let out = probe("queue-writer-dies", method);
        assert_eq!(
            out.lines(),
            [
                "got the whole item: true",
                "within timeout: true",
                "killed mid-put: some items got: true",
                "killed mid-put: items broken: 0"
            ],
            "{method}"
        );
    }
}

#[test]
fn a_panicking_consumer_leaves_the_queue_usable_and_nothing_behind() {
    for method in METHODS {
        let out = probe("queue-child-panics", method);
        assert_eq!(
            out.lines(),
            ["consumer exitcode Some(1)", "still usable: 43"],
            "{method}"
        );
        assert!(out.stderr.contains("consumer panics holding item 42"));
    }
}
