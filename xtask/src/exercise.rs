//! `cargo xtask exercise`: the classroom exercises in `exercises/`, listed
//! in `exercises/exercises.toml` (see `manifest::exercises`).

use crate::{Failure, Result};
use manifest::exercises::{self, Exercise};
use std::path::PathBuf;
use std::process::Command as Process;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Every exercise, with a mark for those already passed
    List,
    /// Build and test an exercise, and say in one screen what passed, what failed and why
    Check {
        /// The exercise, as `list` names it
        name: String,
    },
    /// Print an exercise's hint
    Hint {
        /// The exercise, as `list` names it
        name: String,
    },
    /// The first exercise not passed yet, and how to start on it
    Next,
    /// What CI runs: every solution passes its checks, every starting point
    /// fails them (so the set cannot rot), and exercises/Cargo.toml lists
    /// exactly the exercises of exercises.toml
    Verify,
}

/// The exercises, from `exercises/exercises.toml`, in order.
fn load() -> Result<Vec<Exercise>> {
    exercises::read().map_err(Failure::new)
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
    manifest::target_dir().join("exercises/passed")
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
    let mut command = Process::new(crate::cargo());
    command
        .args(["test", "--quiet", "--package", name, "--test", "check"])
        .current_dir(exercises::dir());
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

pub fn run(command: Command) -> Result {
    match command {
        Command::List => list(),
        Command::Check { name } => check(&name),
        Command::Hint { name } => {
            let e = find(&name)?;
            let hint = std::fs::read_to_string(e.dir().join("hint.md"))
                .map_err(|err| Failure::new(format!("{}: no hint: {err}", e.name)))?;
            println!("Hint for {}:\n\n{hint}", e.name);
            Ok(())
        }
        Command::Next => next(),
        Command::Verify => verify(),
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
    if let Err(e) = exercises::check_members() {
        problems.push(e);
    }
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
