//! `cargo xtask <command>`: the project's chores, in Rust so they run
//! wherever cargo does. `cargo xtask --help` lists the commands, and
//! `cargo xtask <command> --help` each one's flags.

mod book;
mod compare;
mod exercise;
mod hosts;
mod setup;

use clap::{Parser, Subcommand, ValueEnum};
use manifest::mpi::Mpi;
use manifest::{Recipe, target_dir, workspace_root};
use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::Instant;

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "The cookbook's chores: set-up, tour, tests, book, captured outputs, benchmarks, Python beside Rust, exercises"
)]
struct Cli {
    #[command(subcommand)]
    command: Chore,
}

#[derive(Subcommand)]
enum Chore {
    /// Install what the build needs from the system (MPICH, libclang), the pinned mdBook, and Python with mpi4py under target/, saying what it runs
    Setup,
    /// Set up, build, and run the recipes in book order, each under a heading
    Tour {
        /// The recipes to run [default: all of them]
        #[arg(value_name = "RECIPE")]
        recipes: Vec<String>,
    },
    /// Everything CI checks: formatting, lints, build, tests, docs, book, exercises, benchmarks
    Test {
        /// Run only these steps, in the usual order (repeatable) [default: all]
        #[arg(long = "step", value_name = "STEP", value_enum)]
        steps: Vec<Step>,
        /// Build and test against this MPI, in a target directory of its own (openmpi: target/openmpi) [default: mpich, all steps; openmpi: the build and tests steps]
        #[arg(long, value_name = "MPI", value_parser = ["mpich", "openmpi"])]
        mpi: Option<String>,
    },
    /// Build the book into book/build, after checking its includes
    Book {
        /// Serve it on http://127.0.0.1:3000 instead, rebuilt on every change
        #[arg(long)]
        serve: bool,
    },
    /// Capture each page's output from a real run (book/src/outputs)
    Outputs {
        /// The recipes whose outputs to capture [default: all of them]
        #[arg(value_name = "RECIPE")]
        recipes: Vec<String>,
    },
    /// What each mechanism costs, in a release build, with Python beside it
    Bench(BenchArgs),
    /// A recipe's Python original and the Rust recipe side by side: outputs, wall time, peak memory, processes
    Compare(compare::Args),
    /// Simulated hosts (network namespaces on a bridge) to run MPI recipes across
    Hosts {
        #[command(subcommand)]
        command: hosts::Command,
    },
    /// The classroom exercises in exercises/
    Exercise {
        #[command(subcommand)]
        command: exercise::Command,
    },
}

/// The benchmark's flags, handed on to `cookbook-bench` (see `bench/src/main.rs`).
#[derive(clap::Args)]
struct BenchArgs {
    /// A short run, for CI (written to TARGET_DIR/bench/quick unless --out says otherwise)
    #[arg(long)]
    quick: bool,
    /// Only the cases whose id contains TEXT (repeatable)
    #[arg(long, value_name = "TEXT")]
    filter: Vec<String>,
    /// Do not run the Python side
    #[arg(long)]
    no_python: bool,
    /// Where the reports go [default: book/src/performance]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Write the reports again from an earlier run's results.json, measuring nothing
    #[arg(long, value_name = "FILE")]
    from_json: Option<PathBuf>,
}

impl BenchArgs {
    fn to_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if self.quick {
            args.push("--quick".into());
        }
        for f in &self.filter {
            args.extend(["--filter".into(), f.clone()]);
        }
        if self.no_python {
            args.push("--no-python".into());
        }
        for (flag, path) in [("--out", &self.out), ("--from-json", &self.from_json)] {
            if let Some(path) = path {
                args.extend([flag.into(), path.display().to_string()]);
            }
        }
        args
    }
}

fn main() -> ExitCode {
    // Printing into a closed pipe (`cargo xtask exercise list | head`) ends quietly.
    common::cli::default_sigpipe();
    let cli = common::cli::parse::<Cli>();
    let result = match cli.command {
        Chore::Setup => setup::system()
            .and_then(|()| setup::mdbook())
            .and_then(|()| setup::python_mpi().map(|_| ())),
        Chore::Tour { recipes } => tour(&recipes),
        Chore::Test { steps, mpi } => test(
            &steps,
            mpi.as_deref()
                .and_then(manifest::mpi::Mpi::parse)
                .unwrap_or(manifest::mpi::Mpi::Mpich),
        ),
        Chore::Book { serve } => setup::mdbook().and_then(|()| book::build(serve)),
        Chore::Outputs { recipes } => outputs(&recipes),
        Chore::Bench(args) => bench(&args),
        Chore::Compare(args) => compare::run(&args),
        Chore::Hosts { command } => hosts::run(command),
        Chore::Exercise { command } => setup::system().and_then(|()| exercise::run(command)),
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
    run_with_env::<&str>(program, args, &[])
}

/// [`run`], with variables added to the environment (echoed too).
pub fn run_with_env<V: AsRef<str>>(program: &str, args: &[&str], env: &[(&str, V)]) -> Result {
    let shown = std::path::Path::new(program)
        .file_name()
        .map_or(program.into(), |n| n.to_string_lossy());
    let vars: String = env
        .iter()
        .map(|(k, v)| format!("{k}={:?} ", v.as_ref()))
        .collect();
    println!("xtask: $ {vars}{shown} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .envs(env.iter().map(|(k, v)| (k, v.as_ref())))
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

pub fn cargo() -> String {
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
    let all = manifest::read().map_err(Failure::new)?.recipe;
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

/// Where `cargo build` puts a workspace binary (the target directory may
/// be moved by `CARGO_TARGET_DIR` or a cargo config).
fn built(bin: &str) -> PathBuf {
    target_dir().join("debug").join(bin)
}

fn recipe_command(recipe: &Recipe) -> Command {
    let mut command = Command::new(built(&recipe.name));
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
            // The picture of the very run whose output the page shows.
            let timeline = capture
                .timeline
                .iter()
                .flat_map(|svg| [std::ffi::OsStr::new("--timeline"), svg.as_os_str()]);
            let output = match (&capture.mixed, capture.hosts) {
                // A mixed-language job: mpi4py ranks beside Rust ranks (no
                // picture: the Python ranks record nothing).
                (Some(groups), _) => manifest::mixed::command(
                    &recipe.name,
                    groups,
                    &setup::python_mpi()?,
                    &target_dir().join("debug"),
                )
                .current_dir(workspace_root())
                .output()
                .map_err(|e| Failure::new(format!("cannot run {}: {e}", recipe.name)))?,
                (None, Some(count)) => hosts::capture(&capture, count)?,
                (None, None) => Command::new(built(&capture.bin))
                    .args(&capture.args)
                    .args(timeline)
                    .current_dir(workspace_root())
                    .output()
                    .map_err(|e| Failure::new(format!("cannot run {}: {e}", recipe.name)))?,
            };
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
            if let Some(svg) = &capture.timeline {
                println!("xtask: wrote {}", svg.display());
            }
        }
    }
    Ok(())
}

/// The benchmarks, in a release build (see `bench/src/main.rs`).
fn bench(args: &BenchArgs) -> Result {
    setup::system()?;
    let mut command: Vec<String> = [
        "run",
        "--release",
        "--quiet",
        "--package",
        "cookbook-bench",
        "--",
    ]
    .map(String::from)
    .to_vec();
    command.extend(args.to_args());
    let command: Vec<&str> = command.iter().map(String::as_str).collect();
    run(&cargo(), &command)
}

/// The MPI recipes built against Open MPI too, when it is installed: the
/// tests across simulated hosts run those (tests/tests/hosts.rs says why),
/// and say so and skip without them.
fn build_open_mpi_recipes(mpi: Mpi) -> Result {
    let open_mpi = Mpi::OpenMpi;
    if mpi == open_mpi || !setup::on_path(open_mpi.mpicc()) {
        return Ok(());
    }
    let recipes: Vec<Recipe> = manifest::read()
        .map_err(Failure::new)?
        .recipe
        .into_iter()
        .filter(Recipe::is_mpi)
        .collect();
    let mut args = vec!["build"];
    for recipe in &recipes {
        args.extend(["--package", &recipe.name]);
    }
    run_with_env(&cargo(), &args, &open_mpi.build_env())
}

/// What `cargo xtask test` runs, in this order. A failed step does not
/// stop the others: the summary names every step that failed.
#[derive(Clone, Copy, PartialEq, Eq, Debug, ValueEnum)]
enum Step {
    /// `cargo fmt --check`, of the workspace and of the exercises
    Fmt,
    /// `cargo clippy` on every target, warnings denied, of the workspace and of the exercises
    Clippy,
    /// Every binary, which the tests run
    Build,
    /// `cargo test --workspace`
    Tests,
    /// `cargo doc`, rustdoc's warnings (broken links) denied
    Docs,
    /// The book's includes, then `mdbook build`
    Book,
    /// Every exercise's solution passes its checks, every starter fails them
    Exercises,
    /// The benchmarks run (a quick pass; nothing is asserted about speed)
    Bench,
}

impl Step {
    const ALL: [Step; 8] = [
        Step::Fmt,
        Step::Clippy,
        Step::Build,
        Step::Tests,
        Step::Docs,
        Step::Book,
        Step::Exercises,
        Step::Bench,
    ];

    fn name(self) -> String {
        self.to_possible_value()
            .map(|v| v.get_name().to_string())
            .unwrap_or_default()
    }

    fn run(self, mpi: Mpi) -> Result {
        let cargo = cargo();
        let env = mpi.build_env();
        match self {
            Step::Fmt => in_both_workspaces(&cargo, &["fmt", "--all"], &["--check"]),
            Step::Clippy => in_both_workspaces(
                &cargo,
                &["clippy", "--workspace", "--all-targets"],
                &["-D", "warnings"],
            ),
            Step::Build => run_with_env(&cargo, &["build", "--workspace", "--bins"], &env)
                .and_then(|()| build_open_mpi_recipes(mpi)),
            Step::Tests => run_with_env(&cargo, &["test", "--workspace"], &env),
            Step::Docs => run_with_env(
                &cargo,
                &["doc", "--workspace", "--no-deps"],
                &[("RUSTDOCFLAGS", "-D warnings")],
            ),
            Step::Book => book::build(false),
            Step::Exercises => exercise::run(exercise::Command::Verify { names: Vec::new() }),
            Step::Bench => bench(&BenchArgs {
                quick: true,
                filter: Vec::new(),
                no_python: false,
                out: None,
                from_json: None,
            }),
        }
    }
}

/// Runs `cargo <command> -- <after>` on the workspace, then on the
/// exercises (a workspace of their own: their solutions and wrong answers
/// are code a student reads, held to the same formatting and lints).
fn in_both_workspaces(cargo: &str, command: &[&str], after: &[&str]) -> Result {
    let exercises = manifest::exercises::dir().join("Cargo.toml");
    let exercises = ["--manifest-path", exercises.to_str().expect("utf-8")];
    for manifest_path in [&[][..], &exercises[..]] {
        let args: Vec<&str> = command
            .iter()
            .chain(manifest_path)
            .chain(&["--"])
            .chain(after)
            .copied()
            .collect();
        run(cargo, &args)?;
    }
    Ok(())
}

/// Everything CI checks (or the steps named), in one command, with a
/// summary line at the end.
fn test(only: &[Step], mpi: Mpi) -> Result {
    let started = Instant::now();
    setup::system()?;
    if mpi == Mpi::OpenMpi {
        setup::open_mpi()?;
    }
    setup::mdbook()?;
    // The Python side (benchmarks' twins, mixed-language MPI runs) is
    // optional: without it those parts say so and skip.
    if let Err(f) = setup::python_mpi() {
        println!(
            "xtask: {}; the parts that need mpi4py will say so and skip",
            f.message
        );
    }
    // Under Open MPI, what depends on the MPI: the build and the tests.
    let default: &[Step] = match mpi {
        Mpi::Mpich => &Step::ALL,
        Mpi::OpenMpi => &[Step::Build, Step::Tests],
    };
    let steps: Vec<Step> = if only.is_empty() {
        default.to_vec()
    } else {
        Step::ALL.into_iter().filter(|s| only.contains(s)).collect()
    };
    let names: Vec<String> = steps.iter().map(|s| s.name()).collect();
    let mut failed = Vec::new();
    for (step, name) in steps.iter().zip(&names) {
        println!("\nxtask test: {name}");
        if let Err(f) = step.run(mpi) {
            eprintln!("error: {}", f.message);
            failed.push(name.as_str());
        }
    }
    let took = started.elapsed().as_secs();
    if failed.is_empty() {
        println!(
            "\nxtask test: all {} steps passed ({}) in {}m{:02}s",
            steps.len(),
            names.join(", "),
            took / 60,
            took % 60
        );
        Ok(())
    } else {
        Err(Failure::new(format!(
            "xtask test: {} of {} steps failed: {} (after {}m{:02}s)",
            failed.len(),
            steps.len(),
            failed.join(", "),
            took / 60,
            took % 60
        )))
    }
}
