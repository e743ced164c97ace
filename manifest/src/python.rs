//! Where the cookbook's Python with mpi4py lives: a virtual environment
//! under the target directory, made by `cargo xtask setup` and
//! `cargo xtask test` (once), so the system's Python stays as it
//! was. mpi4py in it is built from source against the system's MPICH:
//! the prebuilt wheel looks for a `libmpi.so.12` that Debian's MPICH does
//! not provide.

use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The virtual environment's directory.
pub fn venv_dir() -> PathBuf {
    crate::target_dir().join("pyenv")
}

/// The virtual environment's interpreter (which may not exist yet).
pub fn venv_python() -> PathBuf {
    venv_dir().join("bin/python")
}

/// The system's Python 3, if there is one.
pub fn system_python() -> Option<PathBuf> {
    let ok = Command::new("python3")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    ok.then(|| PathBuf::from("python3"))
}

/// The venv's interpreter when mpi4py and numpy import in it, else `None`
/// (tests say so in a visible line and skip the mixed runs).
pub fn mpi4py_python() -> Option<PathBuf> {
    let python = venv_python();
    let ok = Command::new(&python)
        .args(["-c", "import mpi4py.MPI, numpy"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    ok.then_some(python)
}
