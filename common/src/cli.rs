//! Flags shared by the recipes, and the rule for bad ones: one line on
//! stderr that names the value and what is allowed, exit code 2.

use crate::StartMethod;
use clap::Parser;
use clap::error::ErrorKind;

/// The `--start-method` flag every multiprocessing recipe takes.
#[derive(clap::Args, Debug, Clone, Copy)]
pub struct StartArgs {
    /// How child processes are started: `spawn` runs this program again and
    /// hands the child its target (safe in any parent); `fork` copies the
    /// running parent (fast, but only sound while the parent has one thread);
    /// `forkserver` has a single-threaded server of ours fork each child
    /// (safe and fast: Python 3.14's default).
    #[arg(long, value_enum, default_value_t = StartMethod::Spawn)]
    pub start_method: StartMethod,
}

/// Parses the command line into `T`. `--help` and `--version` print and
/// exit 0; any mistake prints clap's one-line diagnosis and exits 2, instead
/// of clap's multi-line usage block.
pub fn parse<T: Parser>() -> T {
    match T::try_parse() {
        Ok(args) => args,
        Err(e) => match e.kind() {
            ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => e.exit(),
            _ => {
                let text = e.render().to_string();
                let first = text.lines().next().unwrap_or("error: bad arguments");
                // clap puts the allowed values on a line of their own: keep them.
                let allowed = text
                    .lines()
                    .map(str::trim)
                    .find(|l| l.starts_with("[possible values:"))
                    .map(|l| format!(" {l}"))
                    .unwrap_or_default();
                eprintln!("{first}{allowed} (see --help)");
                std::process::exit(2);
            }
        },
    }
}
