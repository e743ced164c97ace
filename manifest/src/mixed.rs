//! Mixed-language MPI jobs: some ranks run the recipe's mpi4py original,
//! the others the Rust recipe, in one MPMD launch
//! (`mpiexec -n 1 python3 broadcast.py : -n 9 target/debug/broadcast`).
//! `recipes.toml` says how each MPI recipe's ranks are split (`mixed`), and
//! which mixed runs a page shows (an extra with `mixed`).

use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The language of a group of ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Python,
    Rust,
}

/// One group of consecutive ranks in a mixed job: `n` copies of one program.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ranks {
    pub lang: Lang,
    pub n: u32,
    /// Python: the listing in `book/python/mpi/` (default `<recipe>.py`);
    /// Rust: another binary of the recipe's crate (default the recipe).
    pub program: Option<String>,
    /// Arguments for this group's program.
    #[serde(default)]
    pub args: Vec<String>,
}

impl Ranks {
    /// The program file, relative to the workspace root: the Python listing,
    /// or the Rust binary as cargo builds it (`target/debug/<bin>`, shown so;
    /// [`launch_args`] uses the real target directory).
    fn shown_program(&self, recipe: &str) -> String {
        match self.lang {
            Lang::Python => format!(
                "book/python/mpi/{}",
                self.program
                    .clone()
                    .unwrap_or_else(|| format!("{recipe}.py"))
            ),
            Lang::Rust => format!("target/debug/{}", self.program.as_deref().unwrap_or(recipe)),
        }
    }
}

/// How many ranks the whole job has.
pub fn size(groups: &[Ranks]) -> u32 {
    groups.iter().map(|g| g.n).sum()
}

/// The command as a reader types it, from the workspace root, with
/// `python3` standing for a Python that has mpi4py.
pub fn command_line(recipe: &str, groups: &[Ranks]) -> String {
    let parts: Vec<String> = groups
        .iter()
        .map(|g| {
            let python = if g.lang == Lang::Python {
                "python3 "
            } else {
                ""
            };
            let mut part = format!("-n {} {python}{}", g.n, g.shown_program(recipe));
            for a in &g.args {
                part.push(' ');
                part.push_str(a);
            }
            part
        })
        .collect();
    format!("$ mpiexec {}", parts.join(" : "))
}

/// The launcher's arguments for the job (after `mpiexec`), with real
/// paths: `python` for the Python ranks (one with mpi4py), the Rust
/// binaries from `bin_dir`.
pub fn launch_args(recipe: &str, groups: &[Ranks], python: &Path, bin_dir: &Path) -> Vec<String> {
    let root = crate::workspace_root();
    let mut args = Vec::new();
    for (i, g) in groups.iter().enumerate() {
        if i > 0 {
            args.push(":".to_string());
        }
        args.extend(["-n".to_string(), g.n.to_string()]);
        let program: PathBuf = match g.lang {
            Lang::Python => {
                args.push(python.display().to_string());
                root.join(g.shown_program(recipe))
            }
            Lang::Rust => bin_dir.join(g.program.as_deref().unwrap_or(recipe)),
        };
        args.push(program.display().to_string());
        args.extend(g.args.iter().cloned());
    }
    args
}

/// The MPI launcher and its own flags: `MPIEXEC` (which may carry flags,
/// `MPIEXEC="mpiexec -f hosts"`), else `mpiexec`.
pub fn launcher() -> (String, Vec<String>) {
    let line = std::env::var("MPIEXEC").unwrap_or_else(|_| "mpiexec".into());
    let mut words = line.split_whitespace().map(str::to_string);
    let program = words.next().unwrap_or_else(|| "mpiexec".into());
    (program, words.collect())
}

/// A command that runs the mixed job `groups` of `recipe` (see [`launch_args`]).
pub fn command(
    recipe: &str,
    groups: &[Ranks],
    python: &Path,
    bin_dir: &Path,
) -> std::process::Command {
    let (program, flags) = launcher();
    let mut command = std::process::Command::new(program);
    command
        .args(flags)
        .args(launch_args(recipe, groups, python, bin_dir))
        .current_dir(crate::workspace_root())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        // Unbuffered, Python writes a line and its newline apart, and
        // lines from several ranks can be torn: keep its buffering.
        .env("PYTHONUNBUFFERED", "");
    command
}
