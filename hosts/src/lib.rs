//! Simulated hosts on one machine, for running MPI recipes across hosts.
//!
//! Each host is a Linux network namespace with its own interface (`eth0`,
//! one end of a veth pair whose other end is on a private bridge) and its
//! own address, and each process started "on" it gets its own host name
//! (a UTS namespace). MPICH's launcher, Hydra, starts its proxy on a remote
//! host through `ssh`; [`Hosts::launcher`] names a small script of ours in
//! place of `ssh`, which runs the proxy inside the host's namespace. The
//! launcher itself runs in a namespace of its own on the same bridge, so
//! every party talks over the bridge and nothing is opened to the machine's
//! real network.
//!
//! Everything made for a prefix (`ckb`: namespaces `ckb-launcher`,
//! `ckb-node1`.., bridge `ckbbr`, veths `ckbv0`..) is removed by [`down`],
//! whatever state an earlier run left. Making namespaces needs root:
//! [`permitted`] says why not, when not.

pub use manifest::mpi::Mpi;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The private subnet: the namespaces' routes are their own, so every
/// prefix may use the same one without meeting the machine's networks.
const SUBNET: &str = "10.218.0";

/// Set for a run across hosts: every rank first prints the host it runs
/// on (`common::mpi::SHOW_HOST`, which this crate cannot name: it does not
/// build MPI).
pub const SHOW_HOST: &str = "COOKBOOK_MPI_SHOW_HOST";

/// The most hosts one set may have (addresses .2 to .(1 + MAX_HOSTS)).
pub const MAX_HOSTS: usize = 16;

/// A set of simulated hosts, made by [`Hosts::up`].
#[derive(Debug, Clone)]
pub struct Hosts {
    prefix: String,
    count: usize,
}

/// A guard that removes a set of hosts when dropped, also when a test
/// panics half-way.
#[derive(Debug)]
pub struct Guard(pub Hosts);

impl Drop for Guard {
    fn drop(&mut self) {
        if let Err(e) = down(&self.0.prefix) {
            eprintln!("hosts: cleaning up {}: {e}", self.0.prefix);
        }
    }
}

impl std::ops::Deref for Guard {
    type Target = Hosts;
    fn deref(&self) -> &Hosts {
        &self.0
    }
}

/// `Ok` when this process may create network namespaces; else why not.
pub fn permitted() -> Result<(), String> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Err("simulated hosts need root (network namespaces, a bridge)".into());
    }
    for tool in ["ip", "unshare"] {
        if Command::new(tool).arg("-V").output().is_err() {
            return Err(format!(
                "simulated hosts need the `{tool}` command (iproute2, util-linux)"
            ));
        }
    }
    Ok(())
}

/// The directory the sets' state goes in: `<target>/hosts/<prefix>`.
pub fn state_dir(prefix: &str) -> PathBuf {
    manifest::target_dir().join("hosts").join(prefix)
}

fn check_prefix(prefix: &str) -> Result<(), String> {
    // Interface names have at most 15 bytes: `<prefix>v16` must fit.
    if prefix.is_empty()
        || prefix.len() > 8
        || !prefix
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    {
        return Err(format!(
            "bad prefix '{prefix}': 1 to 8 lowercase letters or digits"
        ));
    }
    Ok(())
}

/// Runs `ip <args>`, and says what failed if it did.
fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run ip: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`ip {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

fn ip_output(args: &[&str]) -> Result<String, String> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run ip: {e}"))?;
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

impl Hosts {
    /// Makes `count` hosts named `<prefix>-node1`.. and the launcher's
    /// namespace `<prefix>-launcher`, all on one bridge, after removing
    /// whatever an earlier set of this prefix left. On failure, removes
    /// what it made.
    pub fn up(prefix: &str, count: usize) -> Result<Hosts, String> {
        check_prefix(prefix)?;
        if !(1..=MAX_HOSTS).contains(&count) {
            return Err(format!(
                "bad host count {count}: from 1 to {MAX_HOSTS} hosts"
            ));
        }
        permitted()?;
        let dir = state_dir(prefix);
        if dir.to_string_lossy().contains(char::is_whitespace) {
            // The launcher command is split at spaces (MPIEXEC's form).
            return Err(format!(
                "the state directory {} has a space in its path",
                dir.display()
            ));
        }
        down(prefix)?;
        let hosts = Hosts {
            prefix: prefix.into(),
            count,
        };
        hosts.make().inspect_err(|_| {
            let _ = down(prefix);
        })?;
        Ok(hosts)
    }

    /// The set of `prefix` made by an earlier [`Hosts::up`] (in another
    /// process: `cargo xtask hosts up`, then `run`).
    pub fn existing(prefix: &str) -> Result<Hosts, String> {
        check_prefix(prefix)?;
        let count = std::fs::read_to_string(state_dir(prefix).join("count"))
            .ok()
            .and_then(|c| c.trim().parse().ok())
            .ok_or_else(|| {
                format!("no simulated hosts '{prefix}' are up: run `cargo xtask hosts up N` first")
            })?;
        let hosts = Hosts {
            prefix: prefix.into(),
            count,
        };
        let listed = ip_output(&["netns", "list"])?;
        for ns in hosts.namespaces() {
            if !listed
                .lines()
                .any(|l| l.split_whitespace().next() == Some(&ns))
            {
                return Err(format!(
                    "the namespace {ns} is gone: run `cargo xtask hosts up {count}` again"
                ));
            }
        }
        Ok(hosts)
    }

    fn bridge(&self) -> String {
        format!("{}br", self.prefix)
    }

    /// The launcher's namespace first, then the hosts'.
    fn namespaces(&self) -> Vec<String> {
        std::iter::once(format!("{}-launcher", self.prefix))
            .chain(self.names())
            .collect()
    }

    /// The hosts' names, which are also their namespaces' names.
    pub fn names(&self) -> Vec<String> {
        (1..=self.count)
            .map(|i| format!("{}-node{i}", self.prefix))
            .collect()
    }

    /// The hosts' addresses, in the order of [`Hosts::names`].
    pub fn addresses(&self) -> Vec<String> {
        (1..=self.count)
            .map(|i| format!("{SUBNET}.{}", i + 1))
            .collect()
    }

    /// How many hosts.
    pub fn count(&self) -> usize {
        self.count
    }

    /// The veth end on the bridge for namespace `i` (0: the launcher's).
    fn veth(&self, i: usize) -> String {
        format!("{}v{i}", self.prefix)
    }

    fn make(&self) -> Result<(), String> {
        let bridge = self.bridge();
        ip(&["link", "add", &bridge, "type", "bridge"])?;
        ip(&["link", "set", &bridge, "up"])?;
        for (i, ns) in self.namespaces().iter().enumerate() {
            let (outer, inner) = (self.veth(i), format!("{}p{i}", self.prefix));
            let address = format!("{SUBNET}.{}/24", i + 1);
            ip(&["netns", "add", ns])?;
            ip(&[
                "link", "add", &outer, "type", "veth", "peer", "name", &inner,
            ])?;
            ip(&["link", "set", &inner, "netns", ns])?;
            ip(&["link", "set", &outer, "master", &bridge, "up"])?;
            ip(&["-n", ns, "link", "set", &inner, "name", "eth0"])?;
            ip(&["-n", ns, "addr", "add", &address, "dev", "eth0"])?;
            ip(&["-n", ns, "link", "set", "eth0", "up"])?;
            ip(&["-n", ns, "link", "set", "lo", "up"])?;
        }
        self.write_state()
    }

    fn write_state(&self) -> Result<(), String> {
        let dir = state_dir(&self.prefix);
        let io = |e: std::io::Error| format!("{}: {e}", dir.display());
        std::fs::create_dir_all(&dir).map_err(io)?;
        std::fs::write(dir.join("count"), format!("{}\n", self.count)).map_err(io)?;
        // The host file, in MPICH's form: `host:ranks`, two ranks a host.
        let hostfile: String = self
            .addresses()
            .iter()
            .map(|a| format!("{a}:2\n"))
            .collect();
        std::fs::write(self.hostfile(Mpi::Mpich), hostfile).map_err(io)?;
        // Open MPI's form: `host slots=ranks`.
        let hostfile: String = self
            .addresses()
            .iter()
            .map(|a| format!("{a} slots=2\n"))
            .collect();
        std::fs::write(self.hostfile(Mpi::OpenMpi), hostfile).map_err(io)?;
        // Which namespace each address is, for the ssh stand-in.
        let cases: String = self
            .addresses()
            .iter()
            .zip(self.names())
            .map(|(a, n)| format!("    {a}|{n}) host={n} ;;\n"))
            .collect();
        let script = format!(
            "#!/bin/sh\n\
             # Stands in for ssh for MPICH's launcher, which runs `ssh -x HOST COMMAND...`:\n\
             # runs COMMAND in HOST's network namespace, under HOST's own host name.\n\
             [ \"$1\" = -x ] && shift\n\
             case \"$1\" in\n\
             {cases}    *) echo \"no simulated host '$1'\" >&2; exit 255 ;;\n\
             esac\n\
             shift\n\
             # Like ssh, join the words and let a shell read them. A host of its own:\n\
             # its name, its /dev/shm, and its boot id (which tells UCX whether two\n\
             # processes share a machine, and so may use shared memory).\n\
             exec ip netns exec \"$host\" unshare --uts --mount sh -c '\\\n\
             hostname \"$0\" && mount -t tmpfs tmpfs /dev/shm && \\\n\
             mount --bind \"{dir}/boot_id-$0\" /proc/sys/kernel/random/boot_id && \\\n\
             exec sh -c \"$1\"' \"$host\" \"$*\"\n",
            dir = dir.display()
        );
        for (i, name) in self.names().iter().enumerate() {
            let id = format!("00000000-0000-0000-0000-{:012x}\n", i + 1);
            std::fs::write(dir.join(format!("boot_id-{name}")), id).map_err(io)?;
        }
        let path = self.ssh_script();
        std::fs::write(&path, script).map_err(io)?;
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .map_err(io)
    }

    /// The host file in `mpi`'s form: two ranks a host.
    pub fn hostfile(&self, mpi: Mpi) -> PathBuf {
        state_dir(&self.prefix).join(format!("hostfile-{}", mpi.name()))
    }

    /// The script that stands in for `ssh`.
    pub fn ssh_script(&self) -> PathBuf {
        state_dir(&self.prefix).join("ssh")
    }

    /// The launcher command that starts ranks of a program built against
    /// `mpi` on these hosts, two a host (then round again), as `MPIEXEC`
    /// takes it: the recipes' self-launch adds `-n N <program> <flags>`.
    /// Ranks on different hosts talk over TCP on `eth0`, ranks on the same
    /// host through shared memory. The launcher hands [`SHOW_HOST`] on to
    /// the ranks, and expects it set.
    pub fn launcher(&self, mpi: Mpi) -> String {
        let (ssh, hostfile) = (self.ssh_script(), self.hostfile(mpi));
        let (ssh, hostfile) = (ssh.display(), hostfile.display());
        let prefix = &self.prefix;
        match mpi {
            Mpi::Mpich => format!(
                "ip netns exec {prefix}-launcher mpiexec -iface eth0 \
                 -launcher ssh -launcher-exec {ssh} -f {hostfile}"
            ),
            // Open MPI's own TCP transport (ob1 with the tcp BTL), not UCX's,
            // on eth0 only, for the ranks and for its daemons alike.
            Mpi::OpenMpi => format!(
                "ip netns exec {prefix}-launcher mpiexec.openmpi --mca plm_rsh_agent {ssh} \
                 --mca pml ob1 --mca btl tcp,self,vader --mca btl_tcp_if_include eth0 \
                 --mca oob_tcp_if_include eth0 --hostfile {hostfile} -x {SHOW_HOST}"
            ),
        }
    }

    /// The bytes that went in and out of each namespace's interface so
    /// far: the launcher's first, then each host's.
    pub fn counters(&self) -> Result<Vec<u64>, String> {
        (0..=self.count)
            .map(|i| {
                let dir = Path::new("/sys/class/net")
                    .join(self.veth(i))
                    .join("statistics");
                let read = |name: &str| -> Result<u64, String> {
                    let path = dir.join(name);
                    std::fs::read_to_string(&path)
                        .map_err(|e| format!("{}: {e}", path.display()))?
                        .trim()
                        .parse()
                        .map_err(|e| format!("{}: {e}", path.display()))
                };
                Ok(read("rx_bytes")? + read("tx_bytes")?)
            })
            .collect()
    }
}

/// The bytes that went between hosts (not to or from the launcher) from
/// `before` to `after`, both from [`Hosts::counters`]. A frame between two
/// hosts passes two hosts' interfaces; one between the launcher and a host,
/// the launcher's and one host's.
pub fn between_hosts(before: &[u64], after: &[u64]) -> u64 {
    let delta: Vec<u64> = after
        .iter()
        .zip(before)
        .map(|(a, b)| a.saturating_sub(*b))
        .collect();
    let hosts: u64 = delta.iter().skip(1).sum();
    hosts.saturating_sub(delta.first().copied().unwrap_or(0)) / 2
}

/// Removes everything made for `prefix`: ends the processes still inside
/// its namespaces, deletes the veths, the bridge, the namespaces and the
/// state directory. Finding nothing is not an error.
pub fn down(prefix: &str) -> Result<(), String> {
    check_prefix(prefix)?;
    let ours_ns = |name: &str| {
        name.strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|rest| {
                rest == "launcher"
                    || rest
                        .strip_prefix("node")
                        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            })
    };
    let ours_link = |name: &str| {
        name.strip_prefix(prefix).is_some_and(|rest| {
            rest == "br"
                || rest
                    .strip_prefix('v')
                    .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
    };
    let namespaces: Vec<String> = ip_output(&["netns", "list"])?
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| ours_ns(n))
        .map(String::from)
        .collect();
    let mut errors = Vec::new();
    for ns in &namespaces {
        // A proxy or rank left running would keep the namespace alive.
        for pid in ip_output(&["netns", "pids", ns])?.split_whitespace() {
            if let Ok(pid) = pid.parse::<i32>() {
                // SAFETY: kill has no memory-safety preconditions.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        }
    }
    // `ip -o link` lines read `3: ckbv1@if2: <...`.
    let links: Vec<String> = ip_output(&["-o", "link"])?
        .lines()
        .filter_map(|l| l.split(": ").nth(1))
        .map(|n| n.split('@').next().unwrap_or(n).to_string())
        .filter(|n| ours_link(n))
        .collect();
    // Veths first (each takes its peer inside the namespace along), then the bridge.
    let (bridges, veths): (Vec<String>, Vec<String>) =
        links.into_iter().partition(|n| n.ends_with("br"));
    for link in veths.iter().chain(&bridges) {
        if let Err(e) = ip(&["link", "del", link]) {
            errors.push(e);
        }
    }
    for ns in &namespaces {
        if let Err(e) = ip(&["netns", "del", ns]) {
            errors.push(e);
        }
    }
    let dir = state_dir(prefix);
    if dir.exists()
        && let Err(e) = std::fs::remove_dir_all(&dir)
    {
        errors.push(format!("{}: {e}", dir.display()));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

/// What of `prefix` is still there: namespaces and links, by name (empty
/// after [`down`]).
pub fn leftovers(prefix: &str) -> Result<Vec<String>, String> {
    let mut found: Vec<String> = ip_output(&["netns", "list"])?
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| n.starts_with(&format!("{prefix}-")))
        .map(String::from)
        .collect();
    found.extend(
        ip_output(&["-o", "link"])?
            .lines()
            .filter_map(|l| l.split(": ").nth(1))
            .map(|n| n.split('@').next().unwrap_or(n).to_string())
            .filter(|n| {
                n.strip_prefix(prefix)
                    .is_some_and(|r| r == "br" || r.starts_with('v') || r.starts_with('p'))
            }),
    );
    Ok(found)
}
