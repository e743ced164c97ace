//! `recipes.toml`: the recipes in book order. The tour runs them in this
//! order, the tests check each one, and the book's captured outputs are made
//! from it, so a recipe added here is toured, tested and captured at once.

use crate::mixed::Ranks;
use serde::Deserialize;
use std::path::PathBuf;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub recipe: Vec<Recipe>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    /// The binary's name: `cargo run --bin <name>`.
    pub name: String,
    /// `multiprocessing` or `mpi`: the crate folder is `ch3-<chapter>/<name>`.
    pub chapter: String,
    /// The book's title for the recipe.
    pub title: String,
    /// Flags the tour and the captured output use (none: the book's defaults).
    #[serde(default)]
    pub args: Vec<String>,
    /// For MPI recipes: how many ranks a plain `cargo run` starts.
    pub np: Option<u32>,
    /// How a fresh run is compared with the page's captured output.
    #[serde(default)]
    pub compare: Compare,
    /// More runs the page shows, each with flags of its own.
    #[serde(default)]
    pub extra: Vec<Extra>,
    /// `COOKBOOK_TIME_SCALE` for the tests that compare this recipe's
    /// output, when the tests' quick default (0.01) would change what it
    /// prints (a sleep the output depends on, shortened to a millisecond).
    pub test_time_scale: Option<f64>,
    /// For MPI recipes: how a mixed job splits the ranks between the
    /// mpi4py original and the Rust recipe (`cargo xtask compare --mixed`,
    /// and the mixed-job test). Its results must be an all-Rust run's.
    pub mixed: Option<Vec<Ranks>>,
}

/// A further captured run of a recipe: `outputs/<name>-<label>.txt`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Extra {
    pub label: String,
    /// Another program of the recipe's crate (default: the recipe itself).
    pub bin: Option<String>,
    pub args: Vec<String>,
    /// The run is meant to fail (exit code not 0); its stderr is captured too.
    #[serde(default)]
    pub fails: bool,
    /// How to compare, if not as the recipe's main run.
    pub compare: Option<Compare>,
    /// A mixed-language job instead of the recipe alone (`bin` and `args`
    /// then unused): the groups of ranks, in rank order.
    pub mixed: Option<Vec<Ranks>>,
    /// Capture this run's timeline too (`outputs/<recipe>-<label>.svg`),
    /// for a page that shows it; the main run's is always captured.
    #[serde(default)]
    pub timeline: bool,
    /// Run across this many simulated hosts (`cargo xtask hosts run`, with
    /// the recipe built against Open MPI), each rank naming its host.
    pub hosts: Option<u32>,
    /// What the run prints is MPICH's own (its launcher's banner, its eager
    /// limit, its order of additions), for this reason: another MPI
    /// prints something else, and the check is skipped there, saying so.
    pub mpich_only: Option<String>,
}

/// One run whose output a page shows, and how to check it again.
#[derive(Debug, Clone)]
pub struct Capture {
    /// `<recipe>` for the book's default run, `<recipe>-<label>` for an
    /// extra: the name of its output file and of its test case.
    pub name: String,
    /// The program to run: the recipe, or another binary of its crate.
    pub bin: String,
    pub args: Vec<String>,
    pub fails: bool,
    pub compare: Compare,
    pub file: PathBuf,
    /// A mixed-language job: run by `mpiexec` with these groups of ranks.
    pub mixed: Option<Vec<Ranks>>,
    /// The recipe's name (the Python listing's and the binary's default).
    pub recipe: String,
    /// Where `cargo xtask outputs` draws this run (`--timeline`), if it does.
    pub timeline: Option<PathBuf>,
    /// Across how many simulated hosts the run goes, if it does.
    pub hosts: Option<u32>,
    /// Why only MPICH prints this, if only MPICH does.
    pub mpich_only: Option<String>,
}

impl Capture {
    /// The command a reader types, as the captured output shows it.
    pub fn command_line(&self) -> String {
        if let Some(groups) = &self.mixed {
            return crate::mixed::command_line(&self.recipe, groups);
        }
        let mut line = if self.hosts.is_some() {
            format!("$ cargo xtask hosts run -- {}", self.bin)
        } else {
            format!("$ cargo run --bin {}", self.bin)
        };
        if self.hosts.is_some() {
            // `hosts run` hands every word after the recipe's name on to it.
            for arg in &self.args {
                line.push(' ');
                line.push_str(arg);
            }
            return line;
        }
        if !self.args.is_empty() {
            line.push_str(" -- ");
            line.push_str(&self.args.join(" "));
        }
        line
    }

    /// The text written to the output file: the command, then what it printed.
    pub fn render(&self, stdout: &str, stderr: &str) -> String {
        let mut text = format!("{}\n{stdout}", self.command_line());
        if self.fails {
            text.push_str(stderr);
        }
        text
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Compare {
    #[serde(default)]
    pub order: Order,
    /// Regexes whose matches differ from run to run (pids, timestamps).
    #[serde(default)]
    pub mask: Vec<String>,
    /// Regexes of lines that may or may not appear.
    #[serde(default)]
    pub drop: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    /// Line for line.
    #[default]
    Exact,
    /// Same lines, any order (several processes print at once).
    Any,
}

impl Recipe {
    /// The recipe's crate folder.
    pub fn dir(&self) -> PathBuf {
        crate::workspace_root()
            .join(format!("ch3-{}", self.chapter))
            .join(&self.name)
    }

    /// The runs the page shows: the book's defaults first, then the extras.
    pub fn captures(&self) -> Vec<Capture> {
        let outputs = crate::workspace_root().join("book/src/outputs");
        let main = Capture {
            name: self.name.clone(),
            bin: self.name.clone(),
            args: self.args.clone(),
            fails: false,
            compare: self.compare.clone(),
            file: outputs.join(format!("{}.txt", self.name)),
            mixed: None,
            recipe: self.name.clone(),
            timeline: Some(outputs.join(format!("{}.svg", self.name))),
            hosts: None,
            mpich_only: None,
        };
        let extras = self.extra.iter().map(|e| Capture {
            name: format!("{}-{}", self.name, e.label),
            bin: e.bin.clone().unwrap_or_else(|| self.name.clone()),
            args: e.args.clone(),
            fails: e.fails,
            compare: e.compare.clone().unwrap_or_else(|| self.compare.clone()),
            file: outputs.join(format!("{}-{}.txt", self.name, e.label)),
            mixed: e.mixed.clone(),
            recipe: self.name.clone(),
            timeline: e
                .timeline
                .then(|| outputs.join(format!("{}-{}.svg", self.name, e.label))),
            hosts: e.hosts,
            mpich_only: e.mpich_only.clone(),
        });
        std::iter::once(main).chain(extras).collect()
    }

    /// The page that explains the recipe.
    pub fn page(&self) -> PathBuf {
        crate::workspace_root()
            .join("book/src")
            .join(&self.chapter)
            .join(format!("{}.md", self.name))
    }

    pub fn is_mpi(&self) -> bool {
        self.chapter == "mpi"
    }
}

/// Reads `recipes.toml` at the workspace root.
pub fn read() -> Result<Manifest, String> {
    let path = crate::workspace_root().join("recipes.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Reads `recipes.toml`, or panics (for the tests).
pub fn load() -> Manifest {
    read().unwrap_or_else(|e| panic!("{e}"))
}
