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
    /// Print the next step of an exercise's hint (one more each time)
    Hint {
        /// The exercise, as `list` names it
        name: String,
        /// Every step at once (and forget which were shown)
        #[arg(long)]
        all: bool,
    },
    /// The first exercise not passed yet, and how to start on it
    Next,
    /// What CI runs: every solution passes its checks, every starting point
    /// and every known wrong solution (`wrong/*.rs`) fails them (so the set
    /// cannot rot), and exercises/Cargo.toml lists exactly the exercises of
    /// exercises.toml
    Verify {
        /// Only these exercises [default: all of them]
        #[arg(value_name = "NAME")]
        names: Vec<String>,
    },
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

/// Which program of an exercise the checks run (see `cookbook_tests::Under`).
enum Under<'a> {
    Student,
    Solution,
    Wrong(&'a str),
}

/// Runs an exercise's checks against `under`.
/// Returns whether they passed, and the test output.
fn run_checks(name: &str, under: Under) -> Result<(bool, String)> {
    let mut command = Process::new(crate::cargo());
    command
        .args(["test", "--quiet", "--package", name, "--test", "check"])
        .current_dir(exercises::dir())
        .env_remove("EXERCISE_SOLUTION")
        .env_remove("EXERCISE_WRONG");
    match under {
        Under::Student => {}
        Under::Solution => {
            command.env("EXERCISE_SOLUTION", "1");
        }
        Under::Wrong(stem) => {
            command.env("EXERCISE_WRONG", stem);
        }
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
        Command::Hint { name, all } => hint(&name, all),
        Command::Next => next(),
        Command::Verify { names } => verify(&names),
    }
}

/// A hint's steps: `hint.md` cut at its `## Step N` headings (a hint
/// without them is one step).
fn hint_steps(text: &str) -> Vec<String> {
    let mut steps: Vec<String> = Vec::new();
    for line in text.lines() {
        if line.starts_with("## Step") || steps.is_empty() && !line.trim().is_empty() {
            steps.push(String::new());
        }
        if let Some(step) = steps.last_mut() {
            step.push_str(line);
            step.push('\n');
        }
    }
    steps.retain(|s| !s.trim().is_empty());
    steps
}

/// How many steps of each exercise's hint were shown: `name count` lines in
/// a file that is not committed.
fn hints_file() -> PathBuf {
    manifest::target_dir().join("exercises/hints")
}

fn hints_shown() -> Vec<(String, usize)> {
    std::fs::read_to_string(hints_file())
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let (name, n) = l.split_once(' ')?;
            Some((name.to_string(), n.parse().ok()?))
        })
        .collect()
}

fn set_hints_shown(name: &str, count: usize) {
    let mut shown = hints_shown();
    shown.retain(|(n, _)| n != name);
    shown.push((name.to_string(), count));
    let text: String = shown.iter().map(|(n, c)| format!("{n} {c}\n")).collect();
    let _ = std::fs::create_dir_all(hints_file().parent().expect("target dir"));
    let _ = std::fs::write(hints_file(), text);
}

fn hint(name: &str, all: bool) -> Result {
    let e = find(name)?;
    let text = std::fs::read_to_string(e.dir().join("hint.md"))
        .map_err(|err| Failure::new(format!("{}: no hint: {err}", e.name)))?;
    let steps = hint_steps(&text);
    let total = steps.len();
    if all {
        println!("Hint for {} (all {total} steps):\n", e.name);
        for step in &steps {
            println!("{}", step.trim_end());
            println!();
        }
        set_hints_shown(&e.name, total);
        return Ok(());
    }
    let shown = hints_shown()
        .into_iter()
        .find(|(n, _)| *n == e.name)
        .map_or(0, |(_, c)| c);
    let next = shown.min(total.saturating_sub(1));
    println!(
        "Hint for {}, step {} of {total}:\n\n{}",
        e.name,
        next + 1,
        steps.get(next).map_or("", |s| s.trim_end())
    );
    if next + 1 < total {
        println!(
            "\n(Stuck still? `cargo xtask exercise hint {}` again shows step {}.)",
            e.name,
            next + 2
        );
    } else {
        println!("\n(That was the last step: compare with the solution once you pass.)");
    }
    set_hints_shown(&e.name, next + 1);
    Ok(())
}

/// The known wrong solutions of an exercise: the stems of `wrong/*.rs`.
fn wrong_solutions(e: &Exercise) -> Vec<String> {
    let mut stems: Vec<String> = std::fs::read_dir(e.dir().join("wrong"))
        .map(|d| {
            d.flatten()
                .filter_map(|f| {
                    let name = f.file_name().to_string_lossy().into_owned();
                    name.strip_suffix(".rs").map(str::to_string)
                })
                .collect()
        })
        .unwrap_or_default();
    stems.sort();
    stems
}

/// What is wrong with how an exercise keeps its wrong solutions: each must
/// start with a comment saying why it is wrong, and be a `[[bin]]` of the
/// crate named `<name>-wrong-<stem>`.
fn wrong_solution_problems(e: &Exercise, stems: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    if stems.len() < MIN_WRONG {
        problems.push(format!(
            "{}: {} known wrong solution(s) in wrong/, {MIN_WRONG} wanted",
            e.name,
            stems.len()
        ));
    }
    let cargo = std::fs::read_to_string(e.dir().join("Cargo.toml")).unwrap_or_default();
    for stem in stems {
        let path = e.dir().join(format!("wrong/{stem}.rs"));
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if !text.trim_start().starts_with("//") {
            problems.push(format!(
                "{}: wrong/{stem}.rs must start with a comment saying why it is wrong",
                e.name
            ));
        }
        let bin = format!("name = \"{}-wrong-{stem}\"", e.name);
        let path_line = format!("path = \"wrong/{stem}.rs\"");
        if !cargo.contains(&bin) || !cargo.contains(&path_line) {
            problems.push(format!(
                "{}: wrong/{stem}.rs is not a [[bin]] {bin} / {path_line} in its Cargo.toml",
                e.name
            ));
        }
    }
    problems
}

/// Every exercise keeps at least this many known wrong solutions.
const MIN_WRONG: usize = 2;

fn list() -> Result {
    let done = passed();
    let all = load()?;
    for e in &all {
        let mark = if done.contains(&e.name) { "[x]" } else { "[ ]" };
        println!(
            "{mark} {:<18} level {}  ({} recipe)   exercises/{}/{}",
            e.name, e.level, e.recipe, e.name, e.file
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
    let (ok, text) = run_checks(&e.name, Under::Student)?;
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
                "Next: {} (level {} of 3), for the {} recipe.\nRead the TODO in exercises/{}/{}, change the code, then run:\n  cargo xtask exercise check {}",
                e.name, e.level, e.recipe, e.name, e.file, e.name
            );
            Ok(())
        }
        None => {
            println!("Every exercise is done.");
            Ok(())
        }
    }
}

fn verify(names: &[String]) -> Result {
    let all = load()?;
    let mut problems = Vec::new();
    if let Err(e) = exercises::check_members() {
        problems.push(e);
    }
    for name in names {
        find(name)?;
    }
    let chosen: Vec<&Exercise> = all
        .iter()
        .filter(|e| names.is_empty() || names.contains(&e.name))
        .collect();
    for e in chosen.iter().copied() {
        let (solution_ok, text) = run_checks(&e.name, Under::Solution)?;
        if !solution_ok {
            problems.push(format!(
                "{}: the solution fails its checks:\n{}",
                e.name,
                summary(&text)
            ));
        }
        let (starter_ok, _) = run_checks(&e.name, Under::Student)?;
        if starter_ok {
            problems.push(format!(
                "{}: the starting point already passes its checks",
                e.name
            ));
        }
        let stems = wrong_solutions(e);
        problems.extend(wrong_solution_problems(e, &stems));
        let mut caught = Vec::new();
        for stem in &stems {
            let (wrong_ok, text) = run_checks(&e.name, Under::Wrong(stem))?;
            if wrong_ok {
                problems.push(format!(
                    "{}: the wrong solution wrong/{stem}.rs passes its checks",
                    e.name
                ));
            } else if text.contains("error[") || text.contains("could not compile") {
                // Failing to build proves nothing about the checks.
                problems.push(format!(
                    "{}: the wrong solution wrong/{stem}.rs does not build:\n{}",
                    e.name,
                    summary(&text)
                ));
            }
            caught.push(format!(
                "{stem} {}",
                if wrong_ok { "PASSES" } else { "fails" }
            ));
        }
        println!(
            "exercise {:<18} solution {}, starter {}, wrong: {}",
            e.name,
            if solution_ok { "passes" } else { "FAILS" },
            if starter_ok { "PASSES" } else { "fails" },
            if caught.is_empty() {
                "none".to_string()
            } else {
                caught.join(", ")
            }
        );
    }
    if problems.is_empty() {
        println!(
            "xtask: {} exercises: every solution passes, every starter and every wrong solution fails",
            chosen.len()
        );
        Ok(())
    } else {
        Err(Failure::new(problems.join("\n")))
    }
}

#[cfg(test)]
mod tests {
    use super::hint_steps;

    #[test]
    fn a_hint_is_cut_at_its_steps() {
        let steps = hint_steps("## Step 1\n\nfirst\n\n## Step 2\n\nsecond\n");
        assert_eq!(steps.len(), 2);
        assert!(steps[0].contains("first") && !steps[0].contains("second"));
        assert!(steps[1].starts_with("## Step 2"));
        assert_eq!(hint_steps("just one\nnudge\n"), ["just one\nnudge\n"]);
    }

    #[test]
    fn every_hint_comes_in_steps() {
        for e in manifest::exercises::load() {
            let text = std::fs::read_to_string(e.dir().join("hint.md")).unwrap();
            assert!(
                hint_steps(&text).len() >= 2,
                "{}: hint.md should lead there in steps (## Step 1, ## Step 2...)",
                e.name
            );
        }
    }
}
