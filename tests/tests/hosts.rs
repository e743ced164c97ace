//! The MPI recipes across three simulated hosts (network and UTS
//! namespaces on a bridge, see the `cookbook-hosts` crate), two ranks a
//! host: each rank says which host it runs on, the three host names
//! differ, the values are the ones the same program prints on one host,
//! and bytes went between the hosts over the bridge (TCP), not through
//! shared memory.
//!
//! The runs use the recipes built against Open MPI (`target/openmpi`,
//! built by `cargo xtask test`'s build step when Open MPI is installed):
//! MPICH 4.0.2 over UCX's TCP transport hangs in `MPI_Finalize` in about
//! half the runs across hosts here (see book/src/mpi/hosts.md). Without
//! root, or without that build, every test says so on the terminal and
//! skips.

use cookbook_tests::{Outcome, Run, skip};
use hosts::{Guard, Hosts, Mpi, SHOW_HOST};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

/// One set of hosts at a time in this test binary; other binaries use
/// other prefixes.
static HOSTS: Mutex<()> = Mutex::new(());
const PREFIX: &str = "ckt";
const HOSTS_COUNT: usize = 3;

/// The recipe built against Open MPI, if it is there.
fn open_mpi_bin(recipe: &str) -> Result<PathBuf, String> {
    let path = Mpi::OpenMpi.target_dir().join("debug").join(recipe);
    if path.exists() {
        Ok(path)
    } else {
        Err(format!(
            "no {} (the recipes built against Open MPI): `cargo xtask test` builds them when \
             Open MPI is installed",
            path.display()
        ))
    }
}

/// What a run across hosts printed, split into the ranks' hosts and the rest.
struct Across {
    /// `(rank, host)` from every `rank R of N runs on HOST` line.
    hosts: Vec<(usize, String)>,
    /// The other lines, sorted.
    rest: Vec<String>,
    /// Bytes that went between hosts over the bridge.
    between: u64,
}

fn sorted(out: &Outcome) -> Vec<String> {
    let mut lines: Vec<String> = out.lines().iter().map(|l| l.to_string()).collect();
    lines.sort();
    lines
}

/// Runs `recipe` with `args` across the hosts (and on one host, for the
/// values to compare), or says why it cannot and returns `None`.
fn across(test: &str, recipe: &str, args: &[&str]) -> Option<(Across, Vec<String>)> {
    if let Err(why) = hosts::permitted() {
        skip(test, &why);
        return None;
    }
    let exe = match open_mpi_bin(recipe) {
        Ok(exe) => exe,
        Err(why) => {
            skip(test, &why);
            return None;
        }
    };
    let _one_at_a_time = HOSTS.lock().unwrap_or_else(|e| e.into_inner());
    // Removes the hosts whatever happens below, a failed assertion included.
    let hosts = Guard(Hosts::up(PREFIX, HOSTS_COUNT).expect("making the simulated hosts"));
    let before = hosts.counters().expect("byte counters");
    let out = Run::program(&exe, recipe)
        .args(args)
        .env("MPIEXEC", &hosts.launcher(Mpi::OpenMpi))
        .env(SHOW_HOST, "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .timeout(Duration::from_secs(60))
        .run();
    out.assert_success();
    out.assert_clean();
    let after = hosts.counters().expect("byte counters");
    let mut found = Across {
        hosts: Vec::new(),
        rest: Vec::new(),
        between: hosts::between_hosts(&before, &after),
    };
    for line in sorted(&out) {
        let parsed = line
            .strip_prefix("rank ")
            .and_then(|l| l.split_once(" of "))
            .and_then(|(rank, l)| Some((rank.parse().ok()?, l.split_once(" runs on ")?.1)));
        match parsed {
            Some((rank, host)) => found.hosts.push((rank, host.to_string())),
            None => found.rest.push(line),
        }
    }
    drop(hosts);
    assert!(
        hosts::leftovers(PREFIX).unwrap().is_empty(),
        "the hosts were not all removed"
    );
    // The same program on one host, launched by Open MPI's mpiexec.
    let one_host = Run::program(&exe, recipe)
        .args(args)
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .timeout(Duration::from_secs(60))
        .run();
    one_host.assert_success();
    Some((found, sorted(&one_host)))
}

/// Every rank of `np` said its host, two ranks a host in rank order, the names are the hosts' own, three of them; the values
/// are those of one host; and, if the recipe's ranks exchange messages,
/// bytes crossed the bridge.
fn check(test: &str, recipe: &str, np: usize, args: &[&str], talks: bool) {
    let Some((found, one_host)) = across(test, recipe, args) else {
        return;
    };
    let mut ranks: Vec<usize> = found.hosts.iter().map(|(r, _)| *r).collect();
    ranks.sort();
    assert_eq!(ranks, (0..np).collect::<Vec<_>>(), "{:?}", found.hosts);
    for (rank, host) in &found.hosts {
        if np <= 2 * HOSTS_COUNT {
            // The host file's order: ranks 0 and 1 on the first host, and so on.
            assert_eq!(
                host,
                &format!("{PREFIX}-node{}", rank / 2 + 1),
                "rank {rank}"
            );
        } else {
            // More ranks than slots: the launcher decides where the extra go.
            assert!(
                host.starts_with(&format!("{PREFIX}-node")),
                "rank {rank}: {host}"
            );
        }
    }
    let mut names: Vec<&String> = found.hosts.iter().map(|(_, h)| h).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), HOSTS_COUNT.min(np.div_ceil(2)), "{names:?}");
    assert_eq!(found.rest, one_host, "across hosts vs one host");
    if talks {
        // A few hundred bytes are ARP and the like; the ranks' own traffic is kilobytes.
        assert!(
            found.between > 1000,
            "only {} bytes went between the hosts",
            found.between
        );
    }
}

#[test]
fn hello_across_hosts() {
    // No rank sends anything: only the host names are checked for traffic.
    check("hello_across_hosts", "hello", 6, &["--np", "6"], false);
}

#[test]
fn point_to_point_across_hosts() {
    // It needs 9 ranks: more than the host file's two a host.
    check(
        "point_to_point_across_hosts",
        "point-to-point",
        9,
        &["--np", "9"],
        true,
    );
}

#[test]
fn broadcast_across_hosts() {
    check(
        "broadcast_across_hosts",
        "broadcast",
        6,
        &["--np", "6"],
        true,
    );
}

#[test]
fn scatter_across_hosts() {
    check("scatter_across_hosts", "scatter", 6, &["--np", "6"], true);
}

#[test]
fn gather_across_hosts() {
    check("gather_across_hosts", "gather", 6, &["--np", "6"], true);
}

#[test]
fn alltoall_across_hosts() {
    check("alltoall_across_hosts", "alltoall", 6, &["--np", "6"], true);
}

#[test]
fn reduce_across_hosts() {
    check("reduce_across_hosts", "reduce", 6, &["--np", "6"], true);
}

#[test]
fn topology_across_hosts() {
    // 6 ranks: a 2 x 3 grid. Building it is a collective, over the bridge.
    check("topology_across_hosts", "topology", 6, &["--np", "6"], true);
}

#[test]
fn hosts_down_removes_everything_also_after_a_killed_run() {
    let test = "hosts_down_removes_everything_also_after_a_killed_run";
    if let Err(why) = hosts::permitted() {
        skip(test, &why);
        return;
    }
    let _one_at_a_time = HOSTS.lock().unwrap_or_else(|e| e.into_inner());
    let hosts = Guard(Hosts::up(PREFIX, 2).expect("making the simulated hosts"));
    // Each namespace (the launcher's and the hosts'), its veth, the bridge.
    let made = hosts.count() + 1;
    assert_eq!(hosts::leftovers(PREFIX).unwrap().len(), 2 * made + 1);
    // A process left inside a host's namespace, as a killed run leaves one.
    let mut straggler = std::process::Command::new("ip")
        .args(["netns", "exec", &format!("{PREFIX}-node1"), "sleep", "60"])
        .spawn()
        .expect("ip netns exec");
    std::thread::sleep(Duration::from_millis(200));
    hosts::down(PREFIX).expect("hosts down");
    assert_eq!(hosts::leftovers(PREFIX).unwrap(), Vec::<String>::new());
    // Killed by `down`, reaped here.
    let status = straggler.wait().expect("wait");
    assert!(!status.success());
    assert!(!hosts::state_dir(PREFIX).exists());
}
