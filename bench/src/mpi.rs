//! The MPI measurements. The bench runs itself under `mpiexec` with the
//! `mpi` subcommand; rank 0 prints one figure per repeat, one per line.

use mpi::collective::{CommunicatorCollectives, Root, SystemOperation};
use mpi::point_to_point::{Destination, Source};
use mpi::topology::Communicator;
use std::process::{Command, ExitCode};
use std::time::Instant;

/// Runs `<this executable> mpi <args>` under `mpiexec -n <np>` and returns
/// the lines rank 0 printed.
pub fn launch(np: u32, args: &[String]) -> common::Result<Vec<String>> {
    launch_with("mpiexec", np, &[], args)
}

/// [`launch`] with another launcher command (with its own flags, split at
/// spaces), such as the one for simulated hosts, and with environment
/// variables for the ranks (MPICH reads its settings, `MPIR_CVAR_*`, from
/// there).
pub fn launch_with(
    launcher: &str,
    np: u32,
    env: &[(&str, &str)],
    args: &[String],
) -> common::Result<Vec<String>> {
    let exe = std::env::current_exe()?;
    let mut words = launcher.split_whitespace();
    let mut command = Command::new(words.next().unwrap_or("mpiexec"));
    command
        .args(words)
        .envs(env.iter().copied())
        .arg("-n")
        .arg(np.to_string())
        .arg(exe)
        .arg("mpi")
        .args(args);
    let output = output_within(command, LAUNCH_PATIENCE)?;
    if !output.status.success() {
        return Err(common::Error::new(format!(
            "mpiexec failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect())
}

/// How long one MPI sample may take before it counts as hung: across
/// simulated hosts MPICH over UCX's TCP can hang in `MPI_Finalize` (the
/// hosts page says why), and a hung case must not hang the bench.
pub const LAUNCH_PATIENCE: std::time::Duration = std::time::Duration::from_secs(120);

/// Runs `command` in a process group of its own, its output in files (no
/// pipe to fill), and kills the whole group if it is not done in `patience`.
pub fn output_within(
    mut command: Command,
    patience: std::time::Duration,
) -> common::Result<std::process::Output> {
    use std::os::unix::process::CommandExt;
    let mut out = tempfile_in_target("stdout")?;
    let mut err = tempfile_in_target("stderr")?;
    let mut child = command
        .stdout(out.0.try_clone()?)
        .stderr(err.0.try_clone()?)
        .process_group(0)
        .spawn()
        .map_err(|e| common::Error::new(format!("cannot run mpiexec: {e}")))?;
    let deadline = std::time::Instant::now() + patience;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let group = nix::unistd::Pid::from_raw(child.id() as i32);
            let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
            let _ = child.wait();
            return Err(common::Error::new(format!(
                "mpiexec did not finish in {} s (killed)",
                patience.as_secs()
            )));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let read = |file: &mut (std::fs::File, std::path::PathBuf)| -> common::Result<Vec<u8>> {
        use std::io::{Read, Seek};
        let mut bytes = Vec::new();
        file.0.seek(std::io::SeekFrom::Start(0))?;
        file.0.read_to_end(&mut bytes)?;
        let _ = std::fs::remove_file(&file.1);
        Ok(bytes)
    };
    Ok(std::process::Output {
        status,
        stdout: read(&mut out)?,
        stderr: read(&mut err)?,
    })
}

/// A fresh file under `<target>/bench` for one launch's `what`.
fn tempfile_in_target(what: &str) -> common::Result<(std::fs::File, std::path::PathBuf)> {
    static COUNT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let dir = manifest::target_dir().join("bench");
    std::fs::create_dir_all(&dir)?;
    let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = dir.join(format!("launch-{}-{n}.{what}", std::process::id()));
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)?;
    Ok((file, path))
}

/// Builds `bench/c/pingpong.c` with `mpicc` and returns its path.
pub fn build_c_pingpong() -> common::Result<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out_dir = manifest::target_dir().join("bench");
    std::fs::create_dir_all(&out_dir)?;
    let exe = out_dir.join("pingpong-c");
    let status = Command::new("mpicc")
        .args(["-O2", "-o"])
        .arg(&exe)
        .arg(root.join("c/pingpong.c"))
        .status()
        .map_err(|e| common::Error::new(format!("cannot run mpicc: {e}")))?;
    if !status.success() {
        return Err(common::Error::new(
            "mpicc failed to build bench/c/pingpong.c",
        ));
    }
    Ok(exe)
}

/// The `mpi` subcommand, on every rank.
pub fn helper(args: &[String]) -> ExitCode {
    let Some(universe) = mpi::initialize() else {
        eprintln!("error: MPI initialised twice");
        return ExitCode::FAILURE;
    };
    let world = universe.world();
    let number =
        |i: usize, default: u64| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let repeats = number(3, 5);
    match args.first().map(String::as_str) {
        Some("pingpong") => pingpong(&world, number(1, 10_000), repeats),
        Some("objects") => objects(&world, number(1, 10_000), repeats),
        Some("throughput") => {
            throughput(&world, number(1, 1024) as usize, number(2, 1000), repeats)
        }
        Some("collectives") => collectives(
            &world,
            number(1, 100),
            args.get(2).map_or("", String::as_str),
            repeats,
        ),
        _ => {
            eprintln!("error: unknown MPI measurement");
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}

fn pingpong(world: &mpi::topology::SimpleCommunicator, iters: u64, repeats: u64) {
    let rank = world.rank();
    let mut buf = [0u8; 8];
    for r in 0..=repeats {
        world.barrier();
        let start = Instant::now();
        for _ in 0..iters {
            if rank == 0 {
                world.process_at_rank(1).send(&buf[..]);
                world.process_at_rank(1).receive_into(&mut buf[..]);
            } else if rank == 1 {
                world.process_at_rank(0).receive_into(&mut buf[..]);
                world.process_at_rank(0).send(&buf[..]);
            }
        }
        if rank == 0 && r > 0 {
            println!("{:.9}", start.elapsed().as_secs_f64() / iters as f64);
        }
    }
}

/// The ping-pong of a value rather than a buffer: encoded with serde
/// (postcard), sent, received at whatever length it has, decoded; what
/// mpi4py's lower-case `send`/`recv` do with pickle.
fn objects(world: &mpi::topology::SimpleCommunicator, iters: u64, repeats: u64) {
    let rank = world.rank();
    let value = serde_bytes::ByteBuf::from(vec![7u8; 8]);
    let bounce = |to: i32| {
        let (bytes, _) = world.process_at_rank(to).receive_vec::<u8>();
        let got: serde_bytes::ByteBuf = postcard::from_bytes(&bytes).expect("a value we encoded");
        got
    };
    for r in 0..=repeats {
        world.barrier();
        let start = Instant::now();
        for _ in 0..iters {
            if rank == 0 {
                let bytes = postcard::to_stdvec(&value).expect("bytes encode");
                world.process_at_rank(1).send(&bytes[..]);
                std::hint::black_box(bounce(1));
            } else if rank == 1 {
                let got = bounce(0);
                let bytes = postcard::to_stdvec(&got).expect("bytes encode");
                world.process_at_rank(0).send(&bytes[..]);
            }
        }
        if rank == 0 && r > 0 {
            println!("{:.9}", start.elapsed().as_secs_f64() / iters as f64);
        }
    }
}

fn throughput(world: &mpi::topology::SimpleCommunicator, bytes: usize, count: u64, repeats: u64) {
    let rank = world.rank();
    let mut buf = crate::cases::Buffer::new(bytes, 1);
    let mut ack = [0u8; 1];
    for r in 0..=repeats {
        world.barrier();
        let start = Instant::now();
        if rank == 0 {
            for _ in 0..count {
                world.process_at_rank(1).send(&buf[..]);
            }
            world.process_at_rank(1).receive_into(&mut ack[..]);
        } else if rank == 1 {
            for _ in 0..count {
                world.process_at_rank(0).receive_into(&mut buf[..]);
            }
            world.process_at_rank(0).send(&ack[..]);
        }
        if rank == 0 && r > 0 {
            println!(
                "{:.3}",
                (bytes as u64 * count) as f64 / start.elapsed().as_secs_f64()
            );
        }
    }
}

/// The collective `only` (or every one, if empty) on 1,000 `i64`s per rank,
/// `iters` times; rank 0 prints `name seconds-per-call` for each repeat.
fn collectives(world: &mpi::topology::SimpleCommunicator, iters: u64, only: &str, repeats: u64) {
    let (rank, size) = (world.rank(), world.size() as usize);
    let root = world.process_at_rank(0);
    let n = 1000;
    let mut value = vec![rank as i64; n];
    let all = vec![1i64; n * size];
    let mut gathered = vec![0i64; n * size];
    let mut part = vec![0i64; n];
    let mut exchanged = vec![0i64; n * size];
    let mut reduced = vec![0i64; n];
    for r in 0..=repeats {
        let time = |name: &str, op: &mut dyn FnMut()| {
            if !only.is_empty() && name != only {
                return;
            }
            world.barrier();
            let start = Instant::now();
            for _ in 0..iters {
                op();
            }
            if rank == 0 && r > 0 {
                println!("{name} {:.9}", start.elapsed().as_secs_f64() / iters as f64);
            }
        };
        time("bcast", &mut || root.broadcast_into(&mut value[..]));
        time("scatter", &mut || {
            if rank == 0 {
                root.scatter_into_root(&all[..], &mut part[..]);
            } else {
                root.scatter_into(&mut part[..]);
            }
        });
        time("gather", &mut || {
            if rank == 0 {
                root.gather_into_root(&part[..], &mut gathered[..]);
            } else {
                root.gather_into(&part[..]);
            }
        });
        time("alltoall", &mut || {
            world.all_to_all_into(&all[..], &mut exchanged[..])
        });
        time("reduce", &mut || {
            if rank == 0 {
                root.reduce_into_root(&value[..], &mut reduced[..], SystemOperation::sum());
            } else {
                root.reduce_into(&value[..], SystemOperation::sum());
            }
        });
    }
}
