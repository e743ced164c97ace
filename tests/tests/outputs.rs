//! Each page's captured output (`book/src/outputs/<recipe>.txt`, written by
//! `cargo xtask outputs`) must still be what the recipe prints, compared the
//! way `recipes.toml` says: line for line, or in any order, with pids and
//! timestamps masked. Multiprocessing recipes are checked under both start
//! methods, which also shows that both print the same.

use cookbook_tests::{Run, manifest, normalise};

#[test]
fn captured_outputs_match_fresh_runs() {
    for recipe in manifest::load().recipe {
        for capture in recipe.captures() {
            let path = &capture.file;
            let captured = std::fs::read_to_string(path).unwrap_or_else(|e| {
                panic!(
                    "{}: {e} (run `cargo xtask outputs {}`)",
                    path.display(),
                    recipe.name
                )
            });
            let (command, body) = captured.split_once('\n').unwrap_or((&captured, ""));
            assert_eq!(
                command,
                capture.command_line(),
                "{}: first line",
                path.display()
            );
            let expected = normalise(body, &capture.compare);
            assert!(
                !expected.is_empty(),
                "{}: nothing to compare",
                path.display()
            );

            let methods: &[&str] = if recipe.is_mpi() {
                &[""]
            } else {
                &["spawn", "fork"]
            };
            for method in methods {
                let mut run = Run::recipe(&capture.bin).args(&capture.args);
                if !method.is_empty() {
                    run = run.start_method(method);
                }
                let out = run.run();
                out.assert_clean();
                assert_eq!(
                    out.code() != 0,
                    capture.fails,
                    "{}: exit code {}\n{}",
                    path.display(),
                    out.code(),
                    out.stderr
                );
                let fresh = capture.render(&out.stdout, &out.stderr);
                let fresh = fresh.split_once('\n').map_or("", |(_, body)| body);
                assert_eq!(
                    normalise(fresh, &capture.compare),
                    expected,
                    "{} ({method}) no longer prints what {} shows; if the change is meant, run `cargo xtask outputs {}`",
                    capture.bin,
                    path.display(),
                    recipe.name
                );
            }
        }
    }
}

#[test]
fn every_recipe_has_a_crate_and_a_page_that_includes_its_code_and_output() {
    for recipe in manifest::load().recipe {
        assert!(
            recipe.dir().join("src/main.rs").exists(),
            "{}: no crate",
            recipe.name
        );
        let page = std::fs::read_to_string(recipe.page())
            .unwrap_or_else(|e| panic!("{}: {e}", recipe.page().display()));
        let output = format!("outputs/{}.txt", recipe.name);
        assert!(
            page.contains(&output),
            "{} does not include {output}",
            recipe.page().display()
        );
        let code = format!("{}/src/main.rs", recipe.name);
        assert!(
            page.contains("{{#include") && page.contains(&code),
            "{} does not include code from {code}",
            recipe.page().display()
        );
    }
}

/// The normaliser itself: masks, drops and ordering do what the manifest says.
#[test]
fn normalise_masks_drops_and_orders() {
    let rules = manifest::Compare {
        order: manifest::Order::Any,
        mask: vec![r"pid=\d+".into()],
        drop: vec!["^noise".into()],
    };
    assert_eq!(
        normalise("b pid=12\nnoise here\na pid=7\n", &rules),
        ["a …", "b …"]
    );
    let exact = manifest::Compare::default();
    assert_eq!(normalise("b\na\n", &exact), ["b", "a"]);
}

/// Every exercise is linked from its recipe's page, and every recipe has one.
#[test]
fn every_recipe_page_links_its_exercises() {
    #[derive(serde::Deserialize)]
    struct List {
        exercise: Vec<Exercise>,
    }
    #[derive(serde::Deserialize)]
    struct Exercise {
        name: String,
        recipe: String,
    }
    let path = cookbook_tests::workspace_root().join("exercises/exercises.toml");
    let list: List = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let recipes = manifest::load().recipe;
    for e in &list.exercise {
        let recipe = recipes
            .iter()
            .find(|r| r.name == e.recipe)
            .unwrap_or_else(|| panic!("exercise {} names no recipe '{}'", e.name, e.recipe));
        let page = std::fs::read_to_string(recipe.page()).unwrap();
        assert!(
            page.contains(&format!("`{}`", e.name)),
            "{} does not link {}",
            recipe.page().display(),
            e.name
        );
        assert!(
            cookbook_tests::workspace_root()
                .join("exercises")
                .join(&e.name)
                .join("tests/check.rs")
                .exists(),
            "{} has no checks",
            e.name
        );
    }
    for r in &recipes {
        assert!(
            list.exercise.iter().any(|e| e.recipe == r.name),
            "recipe {} has no exercise",
            r.name
        );
    }
}
