//! The process pool: the `pool` recipe and `Pool`'s API across real worker
//! processes (through `process-probe`), under both start methods. Every run
//! has a timeout and must leave no process behind.

use cookbook_tests::{Outcome, Run, Target};
use nix::sys::signal::Signal;
use std::time::Duration;

use cookbook_tests::METHODS;

fn run(args: &[&str], method: &str) -> Outcome {
    Run::recipe("pool").start_method(method).args(args).run_ok()
}

fn probe(case: &str, method: &str) -> Outcome {
    Run::probe(case, method).run_ok()
}

fn squares(n: u64) -> String {
    let items: Vec<String> = (0..n).map(|x| (x * x).to_string()).collect();
    format!("Pool : [{}]", items.join(", "))
}

#[test]
fn pool_prints_the_books_squares_with_any_workers_and_chunks() {
    for method in METHODS {
        assert_eq!(run(&[], method).lines(), [squares(100)]);
        for args in [
            vec!["--processes", "1"],
            vec!["--processes", "3", "--chunksize", "1"],
            vec!["--processes", "2", "--chunksize", "7", "--range", "1000"],
            vec!["--range", "0"],
        ] {
            let n = args
                .iter()
                .position(|a| *a == "--range")
                .map_or(100, |i| args[i + 1].parse().unwrap());
            assert_eq!(
                run(&args, method).lines(),
                [squares(n)],
                "{method} {args:?}"
            );
        }
    }
}

#[test]
fn a_panicking_task_is_an_error_for_that_task_only() {
    for method in METHODS {
        let out = run(&["--fail-at", "7", "--range", "10"], method);
        let lines = out.lines();
        assert!(
            lines[0].starts_with("Pool : task 7 failed: panicked at ")
                && lines[0].ends_with(": input 7 is not allowed"),
            "{}",
            lines[0]
        );
        assert_eq!(lines[1], squares(10));
        // The worker reports the panic; it does not spill it onto stderr.
        assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    }
}

#[test]
fn the_cpu_heavy_mode_computes_the_same_as_the_loop_and_reports_times() {
    for method in METHODS {
        let out = run(
            &["--cpu-heavy", "--work", "20000", "--processes", "2"],
            method,
        );
        let lines = out.lines();
        assert_eq!(
            lines[0],
            "CPU-heavy task: 4 inputs, each counting the primes below 20000"
        );
        assert!(lines[1].starts_with("serial loop: ") && lines[1].ends_with(" s"));
        assert!(lines[2].starts_with("Pool(1): "));
        assert!(lines[3].starts_with("Pool(2): ") && lines[3].ends_with("x the 1-worker time)"));
        assert!(lines[4].starts_with("cores on this machine: "));
    }
}

#[test]
fn the_api_keeps_order_reports_failures_and_refuses_misuse() {
    for method in METHODS {
        let out = probe("pool-api", method);
        let lines = out.lines();
        let expect = [
            "map chunksize 1 in order: true",
            "map chunksize 4 in order: true",
            "map chunksize 1000 in order: true",
            "map of nothing: []",
            "starmap: [3, 7, 11]",
            "apply: 144",
            "ready at once: false",
            "get_timeout too short: the result is not ready",
            "get: 0",
            "imap in input order: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]",
            "imap_unordered came in input order: false",
            "imap_unordered all there: true",
            "imap over an endless input: [0, 1, 4, 9, 16]",
            "task 0: 0",
            "task 1: 1",
            "task 2: 2",
        ];
        assert_eq!(lines[..expect.len()], expect, "{method}");
        let i = expect.len();
        assert!(
            lines[i].starts_with("task 3: task 3 failed: panicked at ")
                && lines[i].ends_with(": three is unlucky")
        );
        assert_eq!(
            lines[i + 1..i + 4],
            ["task 4: 4", "task 5: 5", "successful: false"]
        );
        assert!(lines[i + 4].starts_with("map with a panic: task 3 failed: panicked at "));
        assert_eq!(
            lines[i + 5..],
            [
                "still works: [0, 1, 4, 9]",
                "initializer: [\"hello a\", \"hello b\"]",
                "join before close: join() needs close() or terminate() first",
                "map after close: the pool is closed: it takes no more tasks",
                "joined"
            ],
            "{method}"
        );
    }
}

#[test]
fn a_killed_worker_is_replaced_and_its_task_reported() {
    for method in METHODS {
        let out = probe("pool-killed-worker", method);
        let kind = match method {
            "fork" => "ForkPoolWorker",
            "forkserver" => "ForkServerPoolWorker",
            _ => "SpawnPoolWorker",
        };
        assert_eq!(
            out.lines(),
            [
                format!("long task: task 0 failed: worker {kind}-1 died while running this task (exit code -9)").as_str(),
                "short task: 300",
                "reported at once: true",
                "workers after: 2",
                "the killed one replaced: true",
                "still works: [0, 1, 4, 9]"
            ],
            "{method}"
        );
    }
}

#[test]
fn terminate_stops_busy_workers_at_once() {
    for method in METHODS {
        let out = probe("pool-terminate", method);
        assert_eq!(
            out.lines(),
            [
                "terminated quickly: true",
                "get: task 0 failed: the pool was terminated",
                "workers left: 0"
            ],
            "{method}"
        );
        assert!(out.elapsed < Duration::from_secs(4), "{:?}", out.elapsed);
    }
}

#[test]
fn max_tasks_per_child_gives_each_chunk_a_fresh_worker() {
    for method in METHODS {
        assert_eq!(
            probe("pool-max-tasks", method).lines(),
            ["distinct workers for 6 chunks: 6"]
        );
    }
}

#[test]
fn killing_the_program_takes_its_workers_down() {
    for method in METHODS {
        for (signal, target) in [
            (Signal::SIGKILL, Target::Parent),
            (Signal::SIGINT, Target::Group),
        ] {
            let out = Run::recipe("pool")
                .args([
                    "--start-method",
                    method,
                    "--cpu-heavy",
                    "--work",
                    "1000000",
                    "--processes",
                    "2",
                ])
                .signal_on("^serial loop", signal, target)
                .run();
            assert_ne!(out.code(), 0);
            out.assert_clean();
        }
    }
}
