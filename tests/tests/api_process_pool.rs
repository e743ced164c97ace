//! Python's API beyond the book's recipes, for processes and pools:
//! contexts (two start methods in one program), `parent_process()`,
//! `Process.close()`, and the pool's `callback`/`error_callback` and
//! `starmap` with a chunk size. Each case runs in `process-probe` under
//! every start method, with a timeout, leaving nothing behind.

use cookbook_tests::METHODS;
use cookbook_tests::{Outcome, Run};
use std::time::Duration;

fn probe(case: &str, method: &str) -> Outcome {
    Run::probe(case, method)
        .timeout(Duration::from_secs(20))
        .run_ok()
}

#[test]
fn a_context_carries_its_own_start_method() {
    for method in METHODS {
        let out = probe("context-two-methods", method);
        assert_eq!(
            out.lines(),
            [
                r#"methods: ["spawn", "fork", "forkserver"]"#,
                format!("default: started by {method}").as_str(),
                "context spawn: started by spawn",
                "context fork: started by fork",
                "context forkserver: started by forkserver",
                r#"context pool worker: ["ForkServerPoolWorker-5"]"#,
            ],
            "{method}"
        );
    }
}

#[test]
fn parent_process_is_none_in_main_and_the_starter_in_a_child() {
    for method in METHODS {
        let out = probe("parent-process", method);
        assert_eq!(
            out.lines(),
            [
                "main: parent_process() is None: true",
                "main: is_alive true, exitcode None",
                "Process-1: parent MainProcess is the one that started it: true, alive: true",
                "Process-1:1: parent Process-1 is the one that started it: true, alive: true",
            ],
            "{method}"
        );
    }
}

#[test]
fn close_is_refused_while_running_and_ends_the_object_after() {
    for method in METHODS {
        let out = probe("process-close", method);
        assert_eq!(
            out.lines(),
            [
                "close while running: Value: cannot close a process while it is still running; use join() or terminate() first",
                "close after join: ok",
                "join after close: Value: process object is closed",
                "start after close: Value: process object is closed",
            ],
            "{method}"
        );
    }
}

#[test]
fn pool_callbacks_run_before_get_returns_and_even_for_dropped_handles() {
    for method in METHODS {
        let out = probe("pool-callbacks", method);
        assert_eq!(
            out.lines(),
            [
                r#"get: 40; callback already ran: ["callback 40"]"#,
                "get of the failing task is an error: true",
                r#"then: ["error_callback: task 0 failed"]"#,
                "starmap, chunks of 2: [0, 11, 22, 33, 44]",
                "starmap_async: [3, 7]",
                r#"after join: ["all good: callback [10, 20]", "one fails: error_callback task 1 failed"]"#,
            ],
            "{method}"
        );
    }
}
