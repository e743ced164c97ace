//! Bad input, for every recipe: one line on stderr that says what is wrong,
//! exit code 2, no panic, no hang, nothing left behind.

use cookbook_tests::{Run, manifest};

#[test]
fn every_recipe_refuses_unknown_flags_and_a_bad_time_scale() {
    for recipe in manifest::load().recipe {
        let out = Run::recipe(&recipe.name).args(["--bogus"]).run();
        out.assert_usage_error();
        assert!(out.stderr.contains("'--bogus'"), "{}", out.stderr);

        let out = Run::recipe(&recipe.name).args(["stray"]).run();
        out.assert_usage_error();

        if recipe.is_mpi() {
            continue; // MPI recipes do not sleep
        }
        let out = Run::recipe(&recipe.name)
            .env("COOKBOOK_TIME_SCALE", "fast")
            .run();
        out.assert_usage_error();
        assert!(
            out.stderr.contains("COOKBOOK_TIME_SCALE='fast'"),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn every_multiprocessing_recipe_names_the_allowed_start_methods() {
    for recipe in manifest::load().recipe.iter().filter(|r| !r.is_mpi()) {
        let out = Run::recipe(&recipe.name)
            .args(["--start-method", "vfork"])
            .run();
        out.assert_usage_error();
        assert!(
            out.stderr.contains("'vfork'")
                && out
                    .stderr
                    .contains("[possible values: spawn, fork, forkserver]"),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn process_counts_must_be_positive_whole_numbers() {
    for recipe in ["spawn", "subclass"] {
        for bad in ["0", "-1", "two", "1.5", "1001"] {
            let out = Run::recipe(recipe).args(["--processes", bad]).run();
            out.assert_usage_error();
            assert!(out.stderr.contains(&format!("'{bad}'")), "{}", out.stderr);
        }
    }
    let out = Run::recipe("spawn").args(["--edition", "3"]).run();
    out.assert_usage_error();
    assert!(out.stderr.contains("1..=2"), "{}", out.stderr);
}

#[test]
fn help_is_not_an_error() {
    for recipe in manifest::load().recipe {
        let out = Run::recipe(&recipe.name).args(["--help"]).run();
        out.assert_success();
        assert!(out.stdout.contains("Usage:"), "{}", out.stdout);
    }
}

#[test]
fn queue_and_pipe_refuse_bad_counts() {
    for (recipe, flag, bad) in [
        ("queue", "--items", "-3"),
        ("queue", "--producers", "0"),
        ("queue", "--consumers", "65"),
        ("queue", "--seed", "minus"),
        ("pipe", "--items", "lots"),
        ("pipe", "--patience", "0"),
        ("pipe", "--patience", "-1"),
    ] {
        let out = Run::recipe(recipe).args([flag, bad]).run();
        out.assert_usage_error();
        assert!(
            out.stderr.contains(bad),
            "{recipe} {flag} {bad}: {}",
            out.stderr
        );
    }
}

#[test]
fn sync_and_state_programs_refuse_bad_values() {
    for (bin, flag, bad) in [
        ("sync", "--late", "x"),
        ("sync", "--late", "4000"),
        ("sync", "--barrier-processes", "0"),
        ("sync-counter", "--processes", "0"),
        ("sync-counter", "--increments", "-5"),
        ("sync-semaphore", "--slots", "0"),
        ("sync-condition", "--consumers", "33"),
        ("state", "--processes", "0"),
        ("state", "--processes", "many"),
    ] {
        let out = Run::recipe(bin).args([flag, bad]).run();
        out.assert_usage_error();
        assert!(
            out.stderr.contains(bad),
            "{bin} {flag} {bad}: {}",
            out.stderr
        );
    }
    for bin in [
        "sync-counter",
        "sync-rlock",
        "sync-semaphore",
        "sync-event",
        "sync-condition",
    ] {
        Run::recipe(bin)
            .args(["--bogus"])
            .run()
            .assert_usage_error();
        Run::recipe(bin)
            .args(["--start-method", "vfork"])
            .run()
            .assert_usage_error();
    }
}

#[test]
fn pool_refuses_bad_values() {
    for (flag, bad) in [
        ("--processes", "0"),
        ("--range", "-1"),
        ("--chunksize", "0"),
        ("--fail-at", "x"),
        ("--work", "1"),
    ] {
        let out = Run::recipe("pool").args([flag, bad]).run();
        out.assert_usage_error();
        assert!(out.stderr.contains(bad), "{flag} {bad}: {}", out.stderr);
    }
}
