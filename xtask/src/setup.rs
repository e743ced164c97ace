//! What the build needs from outside cargo, checked and installed.
//!
//! - MPICH with its headers (`mpicc`, `mpiexec`) for the MPI recipes;
//! - libclang, which rsmpi's build uses (through bindgen) to read `mpi.h`;
//! - mdBook, at the version the book is written for.

use crate::{Failure, Result};
use std::path::Path;
use std::process::Command;

const PACKAGES: [&str; 3] = ["mpich", "libmpich-dev", "libclang-dev"];
pub const MDBOOK_VERSION: &str = "0.5.4";

/// Whether `program` is in one of `PATH`'s directories.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// Finds libclang where bindgen (clang-sys) looks for it.
fn has_libclang() -> bool {
    let mut dirs: Vec<std::path::PathBuf> = Vec::new();
    if let Some(dir) = std::env::var_os("LIBCLANG_PATH") {
        dirs.push(dir.into());
    }
    for parent in ["/usr/lib", "/usr/lib64", "/usr/local/lib"] {
        if let Ok(entries) = std::fs::read_dir(parent) {
            for entry in entries.flatten() {
                let name = entry.file_name();
                let name = name.to_string_lossy();
                if name.starts_with("llvm") {
                    dirs.push(entry.path().join("lib"));
                }
            }
        }
    }
    dirs.push("/usr/lib/x86_64-linux-gnu".into());
    dirs.push("/usr/lib/aarch64-linux-gnu".into());
    dirs.iter().any(|dir| {
        std::fs::read_dir(dir).is_ok_and(|entries| {
            entries.flatten().any(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                name.starts_with("libclang")
                    && name.contains(".so")
                    && !name.starts_with("libclang-cpp")
            })
        })
    })
}

fn missing() -> Vec<&'static str> {
    let mut missing = Vec::new();
    if !on_path("mpiexec") || !on_path("mpicc") {
        missing.push("MPICH (mpiexec, mpicc and mpi.h)");
    }
    if !has_libclang() {
        missing.push("libclang");
    }
    missing
}

fn by_hand() -> String {
    format!("sudo apt-get install -y {}", PACKAGES.join(" "))
}

/// Installs MPICH and libclang through apt-get if they are missing.
pub fn system() -> Result {
    let missing = missing();
    if missing.is_empty() {
        return Ok(());
    }
    println!("xtask: missing {}", missing.join(" and "));
    let root = is_root();
    let prefix: &[&str] = if root { &[] } else { &["sudo", "-n"] };
    if !Path::new("/usr/bin/apt-get").exists() || (!root && !on_path("sudo")) {
        return Err(Failure::usage(format!(
            "cannot install {} here (needs apt-get as root); install MPICH, its headers and libclang by hand, e.g.: {}",
            missing.join(" and "),
            by_hand()
        )));
    }
    let install: Vec<&str> = prefix
        .iter()
        .copied()
        .chain(["apt-get", "install", "-y", "-q"])
        .chain(PACKAGES)
        .collect();
    let update: Vec<&str> = prefix
        .iter()
        .copied()
        .chain(["apt-get", "update", "-q"])
        .collect();
    // A fresh machine may have no package lists yet: update once and retry.
    let installed = apt(&install) || (apt(&update) && apt(&install));
    if installed && self::missing().is_empty() {
        println!("xtask: installed {}", PACKAGES.join(", "));
        Ok(())
    } else {
        Err(Failure::usage(format!(
            "could not install {}; run by hand: {}",
            missing.join(" and "),
            by_hand()
        )))
    }
}

const OPEN_MPI_PACKAGES: [&str; 2] = ["openmpi-bin", "libopenmpi-dev"];

/// The Debian alternatives that must keep pointing at MPICH, and where:
/// everyone else on the machine builds and runs against the default MPI.
const MPICH_ALTERNATIVES: [(&str, &str); 3] = [
    ("mpi", "/usr/bin/mpicc.mpich"),
    ("mpirun", "/usr/bin/mpirun.mpich"),
    (
        "mpi-x86_64-linux-gnu",
        "/usr/include/x86_64-linux-gnu/mpich",
    ),
];

/// Installs Open MPI beside MPICH if it is missing (`cargo xtask test --mpi
/// openmpi`). Installing it after MPICH makes Open MPI the automatic
/// choice of some Debian alternatives (`mpi-x86_64-linux-gnu`): those are
/// set back to MPICH, which stays the default `mpicc`, `mpiexec` and
/// `mpi.h`. Open MPI is only ever used by explicit paths.
pub fn open_mpi() -> Result {
    if on_path("mpiexec.openmpi") && on_path("mpicc.openmpi") {
        return Ok(());
    }
    println!("xtask: missing Open MPI (mpiexec.openmpi, mpicc.openmpi)");
    let by_hand = format!("sudo apt-get install -y {}", OPEN_MPI_PACKAGES.join(" "));
    if !is_root() || !Path::new("/usr/bin/apt-get").exists() {
        return Err(Failure::usage(format!(
            "cannot install Open MPI here (needs apt-get as root); run by hand: {by_hand}"
        )));
    }
    let install: Vec<&str> = ["apt-get", "install", "-y", "-q"]
        .into_iter()
        .chain(OPEN_MPI_PACKAGES)
        .collect();
    let installed = apt(&install) || (apt(&["apt-get", "update", "-q"]) && apt(&install));
    for (name, mpich) in MPICH_ALTERNATIVES {
        let now = std::fs::read_link(format!("/etc/alternatives/{name}")).unwrap_or_default();
        if Path::new(mpich).exists() && now != Path::new(mpich) {
            println!(
                "xtask: the alternative {name} now points at {}",
                now.display()
            );
            apt(&["update-alternatives", "--set", name, mpich]);
        }
    }
    if installed && on_path("mpiexec.openmpi") && on_path("mpicc.openmpi") {
        println!("xtask: installed {}", OPEN_MPI_PACKAGES.join(", "));
        Ok(())
    } else {
        Err(Failure::usage(format!(
            "could not install Open MPI; run by hand: {by_hand}"
        )))
    }
}

fn apt(args: &[&str]) -> bool {
    println!("xtask: $ {}", args.join(" "));
    Command::new(args[0])
        .args(&args[1..])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .is_ok_and(|s| s.success())
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// The `mdbook` to run: the pinned version, installed with cargo if needed.
pub fn mdbook() -> Result {
    let wanted = format!("mdbook v{MDBOOK_VERSION}");
    let current = Command::new("mdbook")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if current.as_deref() == Some(wanted.as_str()) {
        return Ok(());
    }
    println!(
        "xtask: the book needs {wanted} (found {}); installing it with cargo (a few minutes, once)",
        current.as_deref().unwrap_or("none")
    );
    crate::run(
        &crate::cargo(),
        &["install", "mdbook", "--locked", "--version", MDBOOK_VERSION],
    )
    .map_err(|_| {
        Failure::usage(format!(
            "could not install mdBook; run by hand: cargo install mdbook --locked --version {MDBOOK_VERSION}"
        ))
    })
}

/// Python with mpi4py and numpy, for the benchmarks' and the mixed jobs'
/// Python side: a virtual environment under the target directory
/// ([`manifest::python`]), made once. mpi4py is built from source against
/// the system's MPICH (`--no-binary mpi4py`), which needs MPICH first.
pub fn python_mpi() -> Result<std::path::PathBuf> {
    if let Some(python) = manifest::python::mpi4py_python() {
        return Ok(python);
    }
    system()?;
    let Some(system_python) = manifest::python::system_python() else {
        return Err(Failure::usage(
            "no python3 here: install Python 3 (with its venv module) to run the Python side",
        ));
    };
    let venv = manifest::python::venv_dir();
    let venv_str = venv.to_str().expect("a UTF-8 target directory");
    println!("xtask: making a Python environment with mpi4py in {venv_str} (once)");
    let system_python = system_python.to_str().expect("utf-8").to_string();
    crate::run(&system_python, &["-m", "venv", venv_str]).map_err(|_| {
        Failure::usage(
            "could not make a Python virtual environment; on Debian: sudo apt-get install -y python3-venv",
        )
    })?;
    let pip = venv.join("bin/pip");
    crate::run(
        pip.to_str().expect("utf-8"),
        &["install", "--quiet", "--no-binary", "mpi4py", "mpi4py", "numpy"],
    )
    .map_err(|_| {
        Failure::usage(format!(
            "could not install mpi4py; by hand: {venv_str}/bin/pip install --no-binary mpi4py mpi4py numpy"
        ))
    })?;
    manifest::python::mpi4py_python()
        .ok_or_else(|| Failure::usage("mpi4py was installed but does not import"))
}
