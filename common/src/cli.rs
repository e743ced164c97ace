//! Flags shared by the recipes, and the rule for bad ones: one line on
//! stderr that names the value and what is allowed, exit code 2.
//!
//! A recipe declares only its own flags; [`crate::run`] adds
//! `--start-method` and `--timeline` ([`StartArgs`]) and `crate::mpi::run`
//! adds `--np` and `--timeline`, so
//! that no recipe repeats that plumbing.

use crate::StartMethod;
use clap::error::ErrorKind;
use clap::{Args, FromArgMatches, Parser};

/// The `--start-method` flag every multiprocessing recipe takes.
#[derive(clap::Args, Debug, Clone)]
pub struct StartArgs {
    /// How child processes are started: `spawn` runs this program again and
    /// hands the child its target (safe in any parent); `fork` copies the
    /// running parent (fast, but only sound while the parent has one thread);
    /// `forkserver` has a single-threaded server of ours fork each child
    /// (safe and fast: Python 3.14's default).
    #[arg(long, value_enum, default_value_t = StartMethod::Spawn)]
    pub start_method: StartMethod,
    /// Draw what every process of this run did, and when, into FILE.svg:
    /// running, blocked, sleeping, the lines each printed, the messages
    /// between them, how each ended
    #[arg(long, value_name = "FILE.svg", value_parser = crate::timeline::svg_path)]
    pub timeline: Option<std::path::PathBuf>,
}

/// Parses the command line into `T`. `--help` and `--version` print and
/// exit 0; any mistake prints clap's one-line diagnosis and exits 2, instead
/// of clap's multi-line usage block.
pub fn parse<T: Parser>() -> T {
    T::try_parse().unwrap_or_else(|e| exit_on(e))
}

/// Parses the command line into a recipe's own flags `T` and the flags
/// `E` that every recipe of its kind shares (added after `T`'s, as a
/// `#[command(flatten)]` field would be), with [`parse`]'s rule for errors.
pub fn parse_with<T: Parser, E: Args + FromArgMatches>() -> (T, E) {
    let own = T::command();
    // `E`'s doc comment would replace the recipe's description: keep the recipe's.
    let mut command = E::augment_args(own.clone());
    if let Some(about) = own.get_about() {
        command = command.about(about.clone());
    }
    if let Some(about) = own.get_long_about() {
        command = command.long_about(about.clone());
    }
    let parsed = command.try_get_matches().and_then(|mut matches| {
        Ok((
            T::from_arg_matches_mut(&mut matches)?,
            E::from_arg_matches_mut(&mut matches)?,
        ))
    });
    parsed.unwrap_or_else(|e| exit_on(e))
}

/// Prints help or version and exits 0, or prints a bad command line's
/// one-line diagnosis and exits 2.
fn exit_on(e: clap::Error) -> ! {
    match e.kind() {
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
    }
}

/// The longest a "number of seconds" flag may ask for: an hour. (A larger
/// value is more likely a slip than a wish, and a huge one would overflow
/// a `Duration`.)
pub const MAX_SECONDS: f64 = 3600.0;

/// The value parser of every flag that is a number of seconds (`--late`,
/// `--timeout`, `--patience`): a finite number from 0 to [`MAX_SECONDS`].
pub fn seconds(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(s) if s.is_finite() && (0.0..=MAX_SECONDS).contains(&s) => Ok(s),
        _ => Err(format!(
            "expected a number of seconds from 0 to {MAX_SECONDS}"
        )),
    }
}

/// [`seconds`], for a wait that must be able to end: 0 is refused too.
pub fn positive_seconds(text: &str) -> Result<f64, String> {
    match seconds(text) {
        Ok(s) if s > 0.0 => Ok(s),
        _ => Err(format!(
            "expected a number of seconds above 0 and at most {MAX_SECONDS}"
        )),
    }
}

/// Restores SIGPIPE's default action. Rust ignores SIGPIPE, so printing
/// into a closed pipe (`recipe | head`) would panic; with the Unix default
/// the program ends quietly instead, as any command-line tool does. (One
/// exception: a [`crate::Connection`]'s own writes, which fail instead.)
pub fn default_sigpipe() {
    crate::pipe::sigpipe_default_except_pipe_writes();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_finite_and_within_an_hour() {
        assert_eq!(seconds("0"), Ok(0.0));
        assert_eq!(seconds("1.5"), Ok(1.5));
        assert_eq!(seconds("3600"), Ok(3600.0));
        for bad in ["x", "-1", "NaN", "inf", "4000", ""] {
            let err = seconds(bad).unwrap_err();
            assert!(err.contains("seconds from 0 to 3600"), "{bad}: {err}");
        }
        assert_eq!(positive_seconds("0.5"), Ok(0.5));
        for bad in ["0", "-1", "x", "4000"] {
            let err = positive_seconds(bad).unwrap_err();
            assert!(err.contains("above 0"), "{bad}: {err}");
        }
    }
}
