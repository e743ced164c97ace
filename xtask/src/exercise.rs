//! `cargo xtask exercise`: the classroom exercises in `exercises/`.
//!
//! - `list`: every exercise, with a mark for those already passed;
//! - `check <name>`: build and test it, and say in one screen what passed,
//!   what failed and why;
//! - `hint <name>`: print its hint;
//! - `next`: the first exercise not passed yet, and how to start on it;
//! - `verify`: what CI runs: every solution passes its checks, and every
//!   starting point fails them (so the set cannot rot).

use crate::{Failure, Result};
use cookbook_tests::workspace_root;
use std::path::PathBuf;
use std::process::Command;

const USAGE: &str = "usage: cargo xtask exercise <list | check NAME | hint NAME | next | verify>";

struct Exercise {
    name: String,
    recipe: String,
    file: String,
}

fn dir() -> PathBuf {
    workspace_root().join("exercises")
}

/// The exercises, from `exercises/exercises.toml`, in order.
fn load() -> Result<Vec<Exercise>> {
    let text = std::fs::read_to_string(dir().join("exercises.toml"))
        .map_err(|e| Failure::new(format!("exercises/exercises.toml: {e}")))?;
    let mut list: Vec<Exercise> = Vec::new();
    for line in text.lines().map(str::trim) {
        let value = |l: &str| {
            l.split_once('=')
                .map(|(_, v)| v.trim().trim_matches('"').to_string())
        };
        if line == "[[exercise]]" {
            list.push(Exercise {
                name: String::new(),
                recipe: String::new(),
                file: String::new(),
            });
        } else if let (Some(last), Some(v)) = (list.last_mut(), value(line)) {
            match line.split('=').next().map(str::trim) {
                Some("name") => last.name = v,
                Some("recipe") => last.recipe = v,
                Some("file") => last.file = v,
                _ => {}
            }
        }
    }
    Ok(list)
}

fn find(name: &str) -> Result<Exercise> {
    let all = load()?;
    let names: Vec<String> = all.iter().map(|e| e.name.clone()).collect();
    all.into_iter().find(|e| e.name == name).ok_or_else(|| {
        Failure::usage(format!(
            "no exercise '{name}'; the exercises are: {}",
            names.join(", ")
        ))
    })
}

/// Exercises passed so far, one name per line, in a file that is not committed.
fn progress_file() -> PathBuf {
    workspace_root().join("target/exercises/passed")
}

fn passed() -> Vec<String> {
    std::fs::read_to_string(progress_file())
        .map(|t| t.lines().map(str::to_string).collect())
        .unwrap_or_default()
}

fn mark_passed(name: &str) {
    let mut done = passed();
    if !done.iter().any(|d| d == name) {
        done.push(name.to_string());
        let _ = std::fs::create_dir_all(progress_file().parent().expect("target dir"));
        let _ = std::fs::write(progress_file(), done.join("\n") + "\n");
    }
}

/// Runs an exercise's checks; `solution` runs them against the solution.
/// Returns whether they passed, and the test output.
fn run_checks(name: &str, solution: bool) -> Result<(bool, String)> {
    let mut command = Command::new(crate::cargo());
    command
        .args(["test", "--quiet", "--package", name, "--test", "check"])
        .current_dir(dir());
    if solution {
        command.env("EXERCISE_SOLUTION", "1");
    } else {
        command.env_remove("EXERCISE_SOLUTION");
    }
    let output = command
        .output()
        .map_err(|e| Failure::new(format!("cannot run cargo: {e}")))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Ok((output.status.success(), text))
}

/// The lines of a test run a student needs: what failed, and the reasons.
fn summary(text: &str) -> String {
    let mut lines = Vec::new();
    let mut keep = false;
    for line in text.lines() {
        if line.starts_with("error[") || line.starts_with("error:") && !line.contains("test failed")
        {
            keep = true;
        }
        if line.starts_with("---- ") || line.contains("panicked at") {
            keep = true;
        }
        if line.starts_with("stack backtrace:") || line.starts_with("note: run with") {
            keep = false;
        }
        if keep && !line.trim().is_empty() {
            lines.push(line);
        }
        if line.starts_with("failures:") && lines.len() > 1 {
            break;
        }
    }
    lines.truncate(30);
    lines.join("\n")
}

pub fn run(args: &[String]) -> Result {
    match args.first().map(String::as_str) {
        Some("list") => list(),
        Some("check") => check(args.get(1).ok_or_else(|| Failure::usage(USAGE))?),
        Some("hint") => {
            let e = find(args.get(1).ok_or_else(|| Failure::usage(USAGE))?)?;
            let hint = std::fs::read_to_string(dir().join(&e.name).join("hint.md"))
                .map_err(|err| Failure::new(format!("{}: no hint: {err}", e.name)))?;
            println!("Hint for {}:\n\n{hint}", e.name);
            Ok(())
        }
        Some("next") => next(),
        Some("verify") => verify(),
        _ => Err(Failure::usage(USAGE)),
    }
}

fn list() -> Result {
    let done = passed();
    let all = load()?;
    for e in &all {
        let mark = if done.contains(&e.name) { "[x]" } else { "[ ]" };
        println!(
            "{mark} {:<18} ({} recipe)   exercises/{}/{}",
            e.name, e.recipe, e.name, e.file
        );
    }
    let n = all.iter().filter(|e| done.contains(&e.name)).count();
    println!(
        "\n{n} of {} done. `cargo xtask exercise next` says where to go on.",
        all.len()
    );
    Ok(())
}

fn check(name: &str) -> Result {
    let e = find(name)?;
    println!("checking {} (exercises/{}/{}) ...", e.name, e.name, e.file);
    let (ok, text) = run_checks(&e.name, false)?;
    if ok {
        mark_passed(&e.name);
        println!(
            "PASSED: {} is done. Compare with exercises/{}/solution/main.rs.",
            e.name, e.name
        );
        Ok(())
    } else {
        println!("{}", summary(&text));
        Err(Failure::new(format!(
            "{} is not done yet (`cargo xtask exercise hint {}` may help)",
            e.name, e.name
        )))
    }
}

fn next() -> Result {
    let done = passed();
    match load()?.into_iter().find(|e| !done.contains(&e.name)) {
        Some(e) => {
            println!(
                "Next: {}, for the {} recipe.\nRead the TODO in exercises/{}/{}, change the code, then run:\n  cargo xtask exercise check {}",
                e.name, e.recipe, e.name, e.file, e.name
            );
            Ok(())
        }
        None => {
            println!("Every exercise is done.");
            Ok(())
        }
    }
}

fn verify() -> Result {
    let all = load()?;
    let mut problems = Vec::new();
    for e in &all {
        let (solution_ok, text) = run_checks(&e.name, true)?;
        if !solution_ok {
            problems.push(format!(
                "{}: the solution fails its checks:\n{}",
                e.name,
                summary(&text)
            ));
        }
        let (starter_ok, _) = run_checks(&e.name, false)?;
        if starter_ok {
            problems.push(format!(
                "{}: the starting point already passes its checks",
                e.name
            ));
        }
        println!(
            "exercise {:<18} solution {}, starter {}",
            e.name,
            if solution_ok { "passes" } else { "FAILS" },
            if starter_ok { "PASSES" } else { "fails" }
        );
    }
    if problems.is_empty() {
        println!(
            "xtask: all {} exercises: every solution passes, every starter fails",
            all.len()
        );
        Ok(())
    } else {
        Err(Failure::new(problems.join("\n")))
    }
}
