//! `cargo xtask <command>`: the project's chores, in Rust so they run
//! wherever cargo does.
//!
//! - `setup`: install what the build needs from the system (MPICH, libclang)
//!   and the pinned mdBook, saying what it runs;
//! - `tour [recipe...]`: set up, build, and run every recipe in book order;
//! - `test`: set up, then formatting, lints, every test, and the book;
//! - `book [--serve]`: build the book (or serve it on localhost:3000);
//! - `outputs [recipe...]`: capture each page's output from a real run;
//! - `bench [--quick] [--filter TEXT]`: what each mechanism costs, with Python beside it;
//! - `exercise <list | check NAME | hint NAME | next | verify>`: the classroom exercises.

mod book;
mod exercise;
mod setup;

use cookbook_tests::manifest::{self, Recipe};
use cookbook_tests::workspace_root;
use std::process::{Command, ExitCode};
use std::time::Instant;

const USAGE: &str =
    "usage: cargo xtask <setup | tour [recipe...] | test | book [--serve] | outputs [recipe...]>";

fn main() -> ExitCode {
    // Printing into a closed pipe (`cargo xtask exercise list | head`) ends quietly.
    // SAFETY: setting a signal's disposition to the default is always sound.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(command) = args.first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let rest = &args[1..];
    let result = match command.as_str() {
        "setup" => setup::system().and_then(|()| setup::mdbook()),
        "tour" => tour(rest),
        "test" => test(),
        "book" => setup::mdbook().and_then(|()| book::build(rest.iter().any(|a| a == "--serve"))),
        "outputs" => outputs(rest),
        "bench" => bench(rest),
        "exercise" => setup::system().and_then(|()| exercise::run(rest)),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(Failure::usage(format!(
            "unknown command '{other}'; {USAGE}"
        ))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("error: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

/// Why a chore stopped: one line, and the exit code (2: the user can fix it).
pub struct Failure {
    message: String,
    code: u8,
}

impl Failure {
    pub fn new(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            code: 1,
        }
    }
    pub fn usage(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            code: 2,
        }
    }
}

pub type Result<T = ()> = std::result::Result<T, Failure>;

/// Runs a command from the workspace root, echoing it first.
pub fn run(program: &str, args: &[&str]) -> Result {
    let shown = std::path::Path::new(program)
        .file_name()
        .map_or(program.into(), |n| n.to_string_lossy());
    println!("xtask: $ {shown} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .current_dir(workspace_root())
        .status()
        .map_err(|e| Failure::new(format!("cannot run {program}: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(Failure::new(format!(
            "`{program} {}` failed ({status})",
            args.join(" ")
        )))
    }
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

fn build_bins(release: bool) -> Result {
    let mut args = vec!["build", "--workspace", "--bins"];
    if release {
        args.push("--release");
    }
    run(&cargo(), &args)
}

/// The recipes named on the command line (all of them if none), in book order.
fn select(names: &[String]) -> Result<Vec<Recipe>> {
    let all = manifest::load().recipe;
    for name in names {
        if !all.iter().any(|r| &r.name == name) {
            let known: Vec<&str> = all.iter().map(|r| r.name.as_str()).collect();
            return Err(Failure::usage(format!(
                "no recipe '{name}'; the recipes are: {}",
                known.join(", ")
            )));
        }
    }
    Ok(all
        .into_iter()
        .filter(|r| names.is_empty() || names.contains(&r.name))
        .collect())
}

fn recipe_command(recipe: &Recipe) -> Command {
    let exe = workspace_root().join("target/debug").join(&recipe.name);
    let mut command = Command::new(exe);
    command.args(&recipe.args).current_dir(workspace_root());
    command
}

/// Every recipe in book order, each under a heading, at a brisk pace.
fn tour(names: &[String]) -> Result {
    let recipes = select(names)?;
    setup::system()?;
    build_bins(false)?;
    let scale = std::env::var("COOKBOOK_TIME_SCALE").unwrap_or_else(|_| "0.2".into());
    println!(
        "\nThe tour: {} recipes, sleeps scaled by COOKBOOK_TIME_SCALE={scale} (1 is the book's pacing).",
        recipes.len()
    );
    let mut failed = Vec::new();
    for recipe in &recipes {
        let ranks = recipe
            .np
            .map(|np| format!(" ({np} ranks under mpiexec)"))
            .unwrap_or_default();
        println!("\n=== {}: {}{ranks} ===", recipe.name, recipe.title);
        println!("{}", recipe.captures()[0].command_line());
        let status = recipe_command(recipe)
            .env("COOKBOOK_TIME_SCALE", &scale)
            .status()
            .map_err(|e| Failure::new(format!("cannot run {}: {e}", recipe.name)))?;
        if !status.success() {
            println!("({} ended with {status})", recipe.name);
            failed.push(recipe.name.clone());
        }
    }
    if failed.is_empty() {
        println!("\nxtask tour: all {} recipes ran.", recipes.len());
        Ok(())
    } else {
        Err(Failure::new(format!(
            "xtask tour: these recipes failed: {}",
            failed.join(", ")
        )))
    }
}

/// Writes each page's captured output from a real run, at the book's pacing
/// unless COOKBOOK_TIME_SCALE says otherwise.
fn outputs(names: &[String]) -> Result {
    let recipes = select(names)?;
    setup::system()?;
    build_bins(false)?;
    for recipe in &recipes {
        for capture in recipe.captures() {
            let output = Command::new(workspace_root().join("target/debug").join(&capture.bin))
                .args(&capture.args)
                .current_dir(workspace_root())
                .output()
                .map_err(|e| Failure::new(format!("cannot run {}: {e}", recipe.name)))?;
            let (stdout, stderr) = (
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr),
            );
            if output.status.success() == capture.fails {
                return Err(Failure::new(format!(
                    "`{}` ended with {}, which is not what recipes.toml expects: {stderr}",
                    capture.command_line(),
                    output.status
                )));
            }
            let path = &capture.file;
            std::fs::create_dir_all(path.parent().expect("outputs dir"))
                .and_then(|()| std::fs::write(path, capture.render(&stdout, &stderr)))
                .map_err(|e| Failure::new(format!("{}: {e}", path.display())))?;
            println!("xtask: wrote {}", path.display());
        }
    }
    Ok(())
}

/// The benchmarks, in a release build (see `bench/src/main.rs`).
fn bench(args: &[String]) -> Result {
    setup::system()?;
    let mut command = vec![
        "run",
        "--release",
        "--quiet",
        "--package",
        "cookbook-bench",
        "--",
    ];
    command.extend(args.iter().map(String::as_str));
    run(&cargo(), &command)
}

/// What `cargo xtask test` runs, in order. A failed step does not stop the
/// others: the summary names every step that failed.
const STEPS: [&str; 7] = [
    "fmt",
    "clippy",
    "build",
    "tests",
    "book",
    "exercises",
    "bench",
];

fn test_step(name: &str) -> Result {
    let cargo = cargo();
    match name {
        "fmt" => run(&cargo, &["fmt", "--all", "--", "--check"]).and_then(|()| {
            let exercises = workspace_root().join("exercises/Cargo.toml");
            run(
                &cargo,
                &[
                    "fmt",
                    "--all",
                    "--manifest-path",
                    exercises.to_str().expect("utf-8"),
                    "--",
                    "--check",
                ],
            )
        }),
        "clippy" => run(
            &cargo,
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        ),
        "build" => build_bins(false),
        "tests" => run(&cargo, &["test", "--workspace"]),
        "book" => book::build(false),
        "exercises" => exercise::run(&["verify".to_string()]),
        // Proves the benchmarks run; asserts nothing about speed.
        "bench" => bench(&["--quick".to_string()]),
        other => unreachable!("no step {other}"),
    }
}

/// Everything CI checks, in one command, with a summary line at the end.
fn test() -> Result {
    let started = Instant::now();
    setup::system()?;
    setup::mdbook()?;
    let mut failed = Vec::new();
    for name in STEPS {
        println!("\nxtask test: {name}");
        if let Err(f) = test_step(name) {
            eprintln!("error: {}", f.message);
            failed.push(name);
        }
    }
    let took = started.elapsed().as_secs();
    if failed.is_empty() {
        println!(
            "\nxtask test: all {} steps passed ({}) in {}m{:02}s",
            STEPS.len(),
            STEPS.join(", "),
            took / 60,
            took % 60
        );
        Ok(())
    } else {
        Err(Failure::new(format!(
            "xtask test: {} of {} steps failed: {} (after {}m{:02}s)",
            failed.len(),
            STEPS.len(),
            failed.join(", "),
            took / 60,
            took % 60
        )))
    }
}
