//! The project's lists, each read in one place with serde, for `xtask`, the
//! tests and the benchmarks alike:
//!
//! - [`recipes`] (`recipes.toml`): the recipes in book order;
//! - [`exercises`] (`exercises/exercises.toml`): the classroom exercises;
//! - [`mixed`]: mixed-language MPI jobs (mpi4py ranks beside Rust ranks);
//! - [`mpi`]: which MPI implementation a build uses (MPICH, or Open MPI
//!   in a target directory of its own);
//! - [`python`]: the virtual environment with mpi4py, under the target
//!   directory;
//! - [`workspace_root`] and [`target_dir`]: where the sources are, and where
//!   cargo builds them (which `CARGO_TARGET_DIR` or a cargo config may move).

pub mod exercises;
pub mod mixed;
pub mod mpi;
pub mod python;
pub mod recipes;

pub use recipes::{Capture, Compare, Extra, Manifest, Order, Recipe, load, read};

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The workspace root (this crate lives in `<root>/manifest`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("manifest/ has a parent")
        .to_path_buf()
}

/// The directory cargo builds the workspace into: `CARGO_TARGET_DIR` when
/// set, else what `cargo metadata` says (a `build.target-dir` in a cargo
/// config counts), else `<root>/target`.
pub fn target_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()) {
            // Cargo reads a relative CARGO_TARGET_DIR from where it runs.
            return std::env::current_dir().unwrap_or_default().join(dir);
        }
        metadata_target_dir().unwrap_or_else(|| workspace_root().join("target"))
    })
    .clone()
}

fn metadata_target_dir() -> Option<PathBuf> {
    #[derive(serde::Deserialize)]
    struct Metadata {
        target_directory: PathBuf,
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = std::process::Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(workspace_root())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let metadata: Metadata = serde_json::from_slice(&output.stdout).ok()?;
    Some(metadata.target_directory)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_target_dir_is_where_cargo_built_this_test() {
        let exe = std::env::current_exe().unwrap();
        let target = super::target_dir();
        assert!(
            exe.starts_with(&target),
            "{} is not under {}",
            exe.display(),
            target.display()
        );
    }
}
