//! Which MPI implementation a build uses: MPICH (the system's default
//! `mpicc`/`mpiexec`, which must stay so) or Open MPI, selected by explicit
//! paths only and built into a target directory of its own, so that the two
//! builds never mix. `cargo xtask test --mpi openmpi` sets
//! [`Mpi::ENV`] for the tests, which then pick the matching launcher.

use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mpi {
    /// Debian's `mpich`: `mpicc`, `mpiexec`, `libmpich.so`.
    Mpich,
    /// Debian's `openmpi-bin`: `mpicc.openmpi`, `mpiexec.openmpi`, `libmpi.so.40`.
    OpenMpi,
}

impl Mpi {
    /// The variable that names the implementation the tests run under.
    pub const ENV: &str = "COOKBOOK_MPI";

    /// By its name on the command line and in [`Mpi::ENV`].
    pub fn parse(name: &str) -> Option<Mpi> {
        match name {
            "mpich" => Some(Mpi::Mpich),
            "openmpi" => Some(Mpi::OpenMpi),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Mpi::Mpich => "mpich",
            Mpi::OpenMpi => "openmpi",
        }
    }

    /// What [`Mpi::ENV`] says (MPICH when unset).
    pub fn from_env() -> Mpi {
        std::env::var(Mpi::ENV)
            .ok()
            .and_then(|n| Mpi::parse(&n))
            .unwrap_or(Mpi::Mpich)
    }

    /// The launcher that matches a build against this implementation.
    pub fn mpiexec(self) -> &'static str {
        match self {
            Mpi::Mpich => "mpiexec",
            Mpi::OpenMpi => "mpiexec.openmpi",
        }
    }

    /// The compiler wrapper rsmpi's build probes (it reads `MPICC`).
    pub fn mpicc(self) -> &'static str {
        match self {
            Mpi::Mpich => "mpicc.mpich",
            Mpi::OpenMpi => "mpicc.openmpi",
        }
    }

    /// Where this implementation's build goes: the usual target directory
    /// for MPICH, `target/openmpi` for Open MPI.
    pub fn target_dir(self) -> PathBuf {
        match self {
            Mpi::Mpich => crate::target_dir(),
            Mpi::OpenMpi => crate::workspace_root().join("target/openmpi"),
        }
    }

    /// The environment a cargo command needs to build (and test) against
    /// this implementation; nothing for MPICH, the default.
    pub fn build_env(self) -> Vec<(&'static str, String)> {
        match self {
            Mpi::Mpich => Vec::new(),
            Mpi::OpenMpi => vec![
                ("MPICC", self.mpicc().into()),
                ("CARGO_TARGET_DIR", self.target_dir().display().to_string()),
                (Mpi::ENV, self.name().into()),
                // Open MPI refuses root and more ranks than cores unless told.
                ("OMPI_ALLOW_RUN_AS_ROOT", "1".into()),
                ("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1".into()),
                ("OMPI_MCA_rmaps_base_oversubscribe", "1".into()),
            ],
        }
    }
}
