//! Each page's captured output (`book/src/outputs/<run>.txt`, written by
//! `cargo xtask outputs`) must still be what the recipe prints, compared the
//! way `recipes.toml` says: line for line, or in any order, with pids and
//! timestamps masked. Multiprocessing recipes are checked under both start
//! methods, which also shows that both print the same.
//!
//! One test case per captured run, named after its output file (`queue`,
//! `queue-crowd`, ...), so one failure hides no other and
//! `cargo test --test outputs queue` runs the queue recipe's cases alone.
//! The cases are made from `recipes.toml` (a `harness = false` target).

use cookbook_tests::manifest::{self, Capture, Compare, Order, Recipe, exercises};
use cookbook_tests::{METHODS, Run, mixed_job, normalise, skip};
use hosts::Mpi;
use libtest_mimic::{Arguments, Failed, Trial};

fn main() {
    let args = Arguments::from_args();
    let recipes = manifest::load().recipe;
    let mut trials: Vec<Trial> = recipes
        .iter()
        .flat_map(|recipe| {
            recipe.captures().into_iter().map(|capture| {
                let recipe = recipe.clone();
                Trial::test(capture.name.clone(), move || {
                    captured_output_matches_a_fresh_run(&recipe, &capture)
                })
            })
        })
        .collect();
    trials.extend([
        Trial::test(
            "every_recipe_has_a_crate_and_a_page_that_includes_its_code_and_output",
            every_recipe_has_a_crate_and_a_page,
        ),
        Trial::test(
            "normalise_masks_drops_and_orders",
            normalise_masks_drops_and_orders,
        ),
        Trial::test(
            "every_recipe_page_links_its_exercises",
            every_recipe_page_links_its_exercises,
        ),
    ]);
    libtest_mimic::run(&args, trials).exit();
}

/// Fails the case with `message` unless `ok`.
fn check(ok: bool, message: impl FnOnce() -> String) -> Result<(), Failed> {
    if ok { Ok(()) } else { Err(message().into()) }
}

fn captured_output_matches_a_fresh_run(recipe: &Recipe, capture: &Capture) -> Result<(), Failed> {
    let path = &capture.file;
    let captured = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "{}: {e} (run `cargo xtask outputs {}`)",
            path.display(),
            recipe.name
        )
    })?;
    let (command, body) = captured.split_once('\n').unwrap_or((&captured, ""));
    check(command == capture.command_line(), || {
        format!(
            "{}: first line {command:?}, expected {:?}",
            path.display(),
            capture.command_line()
        )
    })?;
    let expected = normalise(body, &capture.compare);
    check(!expected.is_empty(), || {
        format!("{}: nothing to compare", path.display())
    })?;

    if let Some(why) = &capture.mpich_only
        && Mpi::from_env() != Mpi::Mpich
    {
        skip(&capture.name, &format!("captured from MPICH, and {why}"));
        return Ok(());
    }
    // Across simulated hosts: needs root and the Open MPI build, else says so.
    let across = match capture.hosts {
        None => None,
        Some(count) => {
            if let Err(why) = hosts::permitted() {
                skip(&capture.name, &why);
                return Ok(());
            }
            let exe = Mpi::OpenMpi.target_dir().join("debug").join(&capture.bin);
            if !exe.exists() {
                skip(
                    &capture.name,
                    &format!("no {} (the Open MPI build)", exe.display()),
                );
                return Ok(());
            }
            // A prefix of its own: the tests across hosts run beside this one.
            let made = hosts::Hosts::up("cko", count as usize).map_err(|e| e.to_string())?;
            Some((exe, hosts::Guard(made)))
        }
    };
    let methods: &[&str] = if recipe.is_mpi() { &[""] } else { &METHODS };
    for method in methods {
        let mut run = match (&capture.mixed, &across) {
            // A mixed mpi4py + Rust job, which needs Python with mpi4py.
            (Some(groups), _) => match mixed_job(&recipe.name, groups) {
                Some(run) => run,
                None => {
                    skip(
                        &capture.name,
                        "no Python with mpi4py (`cargo xtask setup` makes one)",
                    );
                    return Ok(());
                }
            },
            (None, None) => Run::recipe(&capture.bin).args(&capture.args),
            (None, Some((exe, hosts))) => Run::program(exe, &capture.bin)
                .env("MPIEXEC", &hosts.launcher(Mpi::OpenMpi))
                .env(hosts::SHOW_HOST, "1")
                .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
                .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
                .timeout(std::time::Duration::from_secs(60))
                .args(&capture.args),
        };
        if let Some(scale) = recipe.test_time_scale {
            run = run.time_scale(scale);
        }
        if !method.is_empty() {
            run = run.start_method(method);
        }
        let out = run.run();
        out.assert_clean();
        check((out.code() != 0) == capture.fails, || {
            format!(
                "{}: exit code {}\n{}",
                path.display(),
                out.code(),
                out.stderr
            )
        })?;
        let fresh = capture.render(&out.stdout, &out.stderr);
        let fresh = fresh.split_once('\n').map_or("", |(_, body)| body);
        let fresh = normalise(fresh, &capture.compare);
        check(fresh == expected, || {
            format!(
                "{} ({method}) no longer prints what {} shows; if the change is meant, run `cargo xtask outputs {}`\nfresh:    {fresh:?}\ncaptured: {expected:?}",
                capture.bin,
                path.display(),
                recipe.name
            )
        })?;
    }
    Ok(())
}

fn every_recipe_has_a_crate_and_a_page() -> Result<(), Failed> {
    for recipe in manifest::load().recipe {
        check(recipe.dir().join("src/main.rs").exists(), || {
            format!("{}: no crate", recipe.name)
        })?;
        let page = std::fs::read_to_string(recipe.page())
            .map_err(|e| format!("{}: {e}", recipe.page().display()))?;
        let output = format!("outputs/{}.txt", recipe.name);
        check(page.contains(&output), || {
            format!("{} does not include {output}", recipe.page().display())
        })?;
        let code = format!("{}/src/main.rs", recipe.name);
        check(page.contains("{{#include") && page.contains(&code), || {
            format!(
                "{} does not include code from {code}",
                recipe.page().display()
            )
        })?;
    }
    Ok(())
}

/// The normaliser itself: masks, drops and ordering do what the manifest says.
fn normalise_masks_drops_and_orders() -> Result<(), Failed> {
    let rules = Compare {
        order: Order::Any,
        mask: vec![r"pid=\d+".into()],
        drop: vec!["^noise".into()],
    };
    assert_eq!(
        normalise("b pid=12\nnoise here\na pid=7\n", &rules),
        ["a …", "b …"]
    );
    assert_eq!(normalise("b\na\n", &Compare::default()), ["b", "a"]);
    Ok(())
}

/// Every exercise is linked from its recipe's page, and every recipe has one.
fn every_recipe_page_links_its_exercises() -> Result<(), Failed> {
    let list = exercises::read()?;
    let recipes = manifest::load().recipe;
    for e in &list {
        let recipe = recipes
            .iter()
            .find(|r| r.name == e.recipe)
            .ok_or_else(|| format!("exercise {} names no recipe '{}'", e.name, e.recipe))?;
        let page = std::fs::read_to_string(recipe.page())?;
        check(page.contains(&format!("`{}`", e.name)), || {
            format!("{} does not link {}", recipe.page().display(), e.name)
        })?;
        check(e.dir().join("tests/check.rs").exists(), || {
            format!("{} has no checks", e.name)
        })?;
    }
    for r in &recipes {
        check(list.iter().any(|e| e.recipe == r.name), || {
            format!("recipe {} has no exercise", r.name)
        })?;
    }
    exercises::check_members()?;
    Ok(())
}
