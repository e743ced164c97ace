//! ipc-channel as a transport: `pipe --via ipc-channel` and `queue --via
//! ipc-channel` print what the default transports print, under every start
//! method; and a one-shot server's wait is bounded (a child that dies
//! before connecting, or never connects, gives an error, not a hang).

use cookbook_tests::{METHODS, Run, manifest::Compare, manifest::Order, normalise};

fn probe(case: &str, method: &str) -> Vec<String> {
    let out = Run::program(cookbook_tests::bin("ipc-probe"), "ipc-probe")
        .args([case, method])
        .run_ok();
    out.lines().iter().map(|l| l.to_string()).collect()
}

#[test]
fn a_child_that_dies_before_connecting_is_an_error_not_a_hang() {
    for method in METHODS {
        assert_eq!(
            probe("dies-early", method),
            ["ipc-channel handoff: Process-1 ended (exit code 1) before connecting"],
            "{method}"
        );
        assert_eq!(
            probe("never-connects", method),
            ["ipc-channel handoff: Process-1 did not connect within 0.5 s"],
            "{method}"
        );
        assert_eq!(probe("hands-over", method), ["reply: HOWDY"], "{method}");
        assert_eq!(
            probe("shared-payload", method),
            ["the child saw 8388608 bytes, sum right: true"],
            "{method}"
        );
    }
}

#[test]
fn pipe_and_queue_print_the_same_over_ipc_channel() {
    let queue_rules = Compare {
        order: Order::Any,
        mask: vec![r"The size of queue is \d+".into()],
        drop: vec![],
    };
    let cases: [(&str, &[&str], &Compare); 3] = [
        ("pipe", &["--items", "12"], &Compare::default()),
        ("queue", &["--seed", "7", "--items", "4"], &queue_rules),
        (
            "queue",
            &["--seed", "7", "--items", "3", "--producers", "3"],
            &queue_rules,
        ),
    ];
    for method in METHODS {
        for (recipe, args, rules) in cases {
            let default = Run::recipe(recipe).start_method(method).args(args).run_ok();
            let ipc = Run::recipe(recipe)
                .start_method(method)
                .args(args)
                .args(["--via", "ipc-channel"])
                .run_ok();
            assert_eq!(
                normalise(&ipc.stdout, rules),
                normalise(&default.stdout, rules),
                "{recipe} {args:?} ({method})"
            );
        }
    }
}

#[test]
fn an_ipc_channel_has_one_receiver() {
    let out = Run::recipe("queue")
        .args(["--via", "ipc-channel", "--consumers", "2"])
        .run();
    out.assert_usage_error();
    assert!(out.stderr.contains("--consumers 2"), "{}", out.stderr);
}

#[test]
fn an_unknown_transport_is_a_usage_error() {
    for recipe in ["pipe", "queue"] {
        let out = Run::recipe(recipe).args(["--via", "carrier-pigeon"]).run();
        out.assert_usage_error();
        assert!(
            out.stderr.contains("ipc-channel"),
            "{recipe}: {}",
            out.stderr
        );
    }
}
