//! "Predict the output": every recipe page asks questions whose answers
//! are folded away. Each question lives in `book/src/predictions/<recipe>.toml`
//! with the run that answers it and what that run must show; this test
//! checks that the page carries the question and its answer word for word,
//! then runs the recipe (under every start method, for multiprocessing
//! recipes) and checks the answer against what it really prints.

use cookbook_tests::{METHODS, Outcome, Run, manifest, workspace_root};
use regex::Regex;
use serde::Deserialize;
use std::time::Duration;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    prediction: Vec<Prediction>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Prediction {
    /// The question, as the page prints it.
    question: String,
    /// The answer, as the page prints it inside `<details>`.
    answer: String,
    /// The program (a recipe or another binary of the workspace), then its flags.
    run: Vec<String>,
    /// The run must fail (exit code not 0); stderr is searched too.
    #[serde(default)]
    fails: bool,
    /// stdout, line for line (any order if `any_order`).
    lines: Option<Vec<String>>,
    #[serde(default)]
    any_order: bool,
    /// How many lines stdout has.
    count: Option<usize>,
    /// The last line of stdout.
    last: Option<String>,
    /// Lines that must appear: a regex, and how many lines match it.
    #[serde(default)]
    expect: Vec<Expect>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    line: String,
    count: Option<usize>,
}

/// How the page shows a question and its answer.
fn block(p: &Prediction) -> String {
    format!(
        "{}\n\n<details><summary>Answer</summary>\n\n{}\n\n</details>",
        p.question, p.answer
    )
}

fn check(p: &Prediction, out: &Outcome, context: &str) {
    if p.fails {
        assert_ne!(out.code(), 0, "{context}: expected a failure");
        out.assert_clean();
    } else {
        out.assert_success();
    }
    let lines = out.lines();
    if let Some(expected) = &p.lines {
        let (mut got, mut want): (Vec<&str>, Vec<&str>) =
            (lines.clone(), expected.iter().map(String::as_str).collect());
        if p.any_order {
            got.sort_unstable();
            want.sort_unstable();
        }
        assert_eq!(got, want, "{context}");
    }
    if let Some(count) = p.count {
        assert_eq!(lines.len(), count, "{context}: {lines:?}");
    }
    if let Some(last) = &p.last {
        assert_eq!(lines.last(), Some(&last.as_str()), "{context}: {lines:?}");
    }
    // A failing run's report may go to stderr.
    let text = if p.fails {
        format!("{}{}", out.stdout, out.stderr)
    } else {
        out.stdout.clone()
    };
    for e in &p.expect {
        let pattern = Regex::new(&e.line).unwrap_or_else(|err| panic!("{context}: {err}"));
        let n = text.lines().filter(|l| pattern.is_match(l)).count();
        match e.count {
            Some(count) => assert_eq!(n, count, "{context}: lines matching {:?}\n{text}", e.line),
            None => assert!(n > 0, "{context}: no line matches {:?}\n{text}", e.line),
        }
    }
}

#[test]
fn every_recipe_page_asks_its_predictions_and_the_runs_bear_them_out() {
    let dir = workspace_root().join("book/src/predictions");
    for recipe in manifest::load().recipe {
        let path = dir.join(format!("{}.toml", recipe.name));
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let file: File =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            !file.prediction.is_empty(),
            "{}: no question",
            path.display()
        );
        let page = std::fs::read_to_string(recipe.page()).unwrap();
        for (i, p) in file.prediction.iter().enumerate() {
            assert!(
                page.contains(&block(p)),
                "{} does not ask question {} of {} as written there:\n{}",
                recipe.page().display(),
                i + 1,
                path.display(),
                block(p)
            );
            let (program, args) = p.run.split_first().expect("run names a program");
            let methods: &[&str] = if recipe.is_mpi() { &[""] } else { &METHODS };
            for method in methods {
                let mut run = Run::recipe(program)
                    .args(args)
                    .timeout(Duration::from_secs(60));
                if !method.is_empty() {
                    run = run.start_method(method);
                }
                let out = run.run();
                check(
                    p,
                    &out,
                    &format!("{} question {} ({method})", recipe.name, i + 1),
                );
            }
        }
    }
}
