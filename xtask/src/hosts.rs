//! `cargo xtask hosts up N | run -- RECIPE [FLAGS] | down`: MPI recipes
//! across simulated hosts (see the `cookbook-hosts` crate).

use crate::{Failure, Result, cargo, run_with_env, select};
use hosts::{Hosts, Mpi};

/// The prefix of everything `cargo xtask hosts` makes: namespaces
/// `ckb-launcher`, `ckb-node1`.., bridge `ckbbr`, veths `ckbv0`...
pub const PREFIX: &str = "ckb";

#[derive(clap::Subcommand)]
pub enum Command {
    /// Make N hosts (network and UTS namespaces on a private bridge), and a namespace for the launcher
    Up {
        /// How many hosts
        #[arg(value_name = "N", value_parser = clap::value_parser!(u32).range(1..=hosts::MAX_HOSTS as i64))]
        count: u32,
    },
    /// Run an MPI recipe across the hosts, two ranks a host, each rank saying which host it is on
    Run {
        /// The MPI to build the recipe against and launch with (MPICH 4.0 over UCX's TCP often hangs in MPI_Finalize across hosts)
        #[arg(long, value_name = "MPI", value_parser = ["openmpi", "mpich"], default_value = "openmpi")]
        mpi: String,
        /// The recipe, then its flags: `-- reduce --np 6`
        #[arg(
            value_name = "RECIPE [FLAGS]",
            required = true,
            trailing_var_arg = true,
            allow_hyphen_values = true
        )]
        command: Vec<String>,
    },
    /// Remove everything `up` made (also what a failed or interrupted run left)
    Down,
}

pub fn run(command: Command) -> Result {
    match command {
        Command::Up { count } => {
            let hosts = Hosts::up(PREFIX, count as usize).map_err(Failure::new)?;
            for (name, address) in hosts.names().iter().zip(hosts.addresses()) {
                println!("xtask hosts: {name} at {address}");
            }
            println!(
                "xtask hosts: MPICH's launcher: {}",
                hosts.launcher(Mpi::Mpich)
            );
            println!(
                "xtask hosts: Open MPI's launcher: {}",
                hosts.launcher(Mpi::OpenMpi)
            );
            Ok(())
        }
        Command::Run { mpi, command } => {
            let mpi = Mpi::parse(&mpi).expect("clap checked it");
            let (recipe, flags) = command.split_first().expect("clap requires one");
            let recipe = select(std::slice::from_ref(recipe))?.remove(0);
            if !recipe.is_mpi() {
                return Err(Failure::usage(format!(
                    "'{}' is not an MPI recipe: only those run across hosts",
                    recipe.name
                )));
            }
            let hosts = Hosts::existing(PREFIX).map_err(Failure::usage)?;
            if mpi == Mpi::OpenMpi {
                crate::setup::open_mpi()?;
            }
            let env = mpi.build_env();
            run_with_env(&cargo(), &["build", "--quiet", "--bin", &recipe.name], &env)?;
            let before = hosts.counters().map_err(Failure::new)?;
            let status =
                std::process::Command::new(mpi.target_dir().join("debug").join(&recipe.name))
                    .args(flags)
                    .env("MPIEXEC", hosts.launcher(mpi))
                    .env(hosts::SHOW_HOST, "1")
                    .status()
                    .map_err(|e| Failure::new(format!("cannot run {}: {e}", recipe.name)))?;
            let after = hosts.counters().map_err(Failure::new)?;
            eprintln!(
                "xtask hosts: {} bytes went between the hosts over the bridge",
                hosts::between_hosts(&before, &after)
            );
            if status.success() {
                Ok(())
            } else {
                Err(Failure::new(format!("{} ended with {status}", recipe.name)))
            }
        }
        Command::Down => {
            hosts::down(PREFIX).map_err(Failure::new)?;
            let left = hosts::leftovers(PREFIX).map_err(Failure::new)?;
            if left.is_empty() {
                println!("xtask hosts: removed; no namespace, bridge or veth of '{PREFIX}' left");
                Ok(())
            } else {
                Err(Failure::new(format!("still there: {}", left.join(", "))))
            }
        }
    }
}

/// A captured run across `count` simulated hosts (a capture with `hosts`
/// in recipes.toml): the hosts are made for it and removed after, under
/// this command's own prefix, so the page shows the names `hosts run` gives.
pub fn capture(capture: &manifest::Capture, count: u32) -> Result<std::process::Output> {
    let mpi = Mpi::OpenMpi;
    crate::setup::open_mpi()?;
    let env = mpi.build_env();
    run_with_env(&cargo(), &["build", "--quiet", "--bin", &capture.bin], &env)?;
    let hosts = hosts::Guard(Hosts::up(PREFIX, count as usize).map_err(Failure::new)?);
    std::process::Command::new(mpi.target_dir().join("debug").join(&capture.bin))
        .args(&capture.args)
        .env("MPIEXEC", hosts.launcher(mpi))
        .env(hosts::SHOW_HOST, "1")
        .output()
        .map_err(|e| Failure::new(format!("cannot run {}: {e}", capture.bin)))
}
