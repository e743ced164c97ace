//! Every measurement, as a `Case`: a name, what it measures, and a function
//! that takes one sample. Each sample times many operations and returns
//! one figure (seconds per operation, or a rate).

use common::{
    Barrier, Connection, Inherit, Manager, Pool, Process, Queue, Result, SharedMemory, StartMethod,
    Value, pipe,
};
use serde_bytes::ByteBuf;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Unit {
    /// Seconds per operation: lower is better.
    Seconds,
    /// Bytes per second.
    BytesPerSecond,
    /// Operations per second.
    PerSecond,
    /// A plain ratio (a speed-up).
    Ratio,
}

pub type Sampler = Box<dyn Fn(&Scale) -> Result<f64>>;

pub struct Case {
    /// Stable identifier, shared with `bench/python/bench.py`.
    pub id: String,
    /// Which table and chart it belongs to.
    pub group: &'static str,
    pub label: String,
    pub unit: Unit,
    /// The Python case measuring the same thing, if there is one.
    pub python: Option<String>,
    /// Takes one sample.
    pub sample: Sampler,
    /// Run it (and its Python twin) with every process on one core.
    pub pin: bool,
    /// The Python twin is an mpi4py program: ranks, and its arguments
    /// (`bench/python/mpi_bench.py`), run under `mpiexec` with the Python
    /// that has mpi4py.
    pub python_mpi: Option<(u32, Vec<String>)>,
}

/// How much work a sample does: the full run, or `--quick`.
pub struct Scale {
    pub quick: bool,
}

impl Scale {
    fn n(&self, full: u64, quick: u64) -> u64 {
        if self.quick { quick } else { full }
    }
}

pub const SIZES: [(usize, &str); 4] = [
    (1 << 10, "1 KiB"),
    (64 << 10, "64 KiB"),
    (1 << 20, "1 MiB"),
    (16 << 20, "16 MiB"),
];

fn case(
    id: &str,
    group: &'static str,
    label: &str,
    unit: Unit,
    python: bool,
    sample: impl Fn(&Scale) -> Result<f64> + 'static,
) -> Case {
    Case {
        id: id.to_string(),
        group,
        label: label.to_string(),
        unit,
        python: python.then(|| id.to_string()),
        sample: Box::new(sample),
        pin: false,
        python_mpi: None,
    }
}

/// An MPI case with an mpi4py twin: `np` ranks running `args`.
fn with_mpi4py(mut case: Case, np: u32, args: &[&str]) -> Case {
    case.python = Some(case.id.clone());
    case.python_mpi = Some((np, args.iter().map(|a| a.to_string()).collect()));
    case
}

/// Blocking round trips are pinned to one core: the figure then measures
/// the mechanism, not where the scheduler happened to put the two
/// processes. (On this virtual machine, waking a process on the other core
/// costs tens of microseconds, and unpinned runs swing between 2 and 60.)
fn pinned(mut case: Case) -> Case {
    case.pin = true;
    case
}

pub fn all() -> Vec<Case> {
    let mut cases = vec![
        case(
            "start_fork",
            "start",
            "start + join, fork (common::Process)",
            Unit::Seconds,
            true,
            |s| start_join(StartMethod::Fork, s.n(200, 20)),
        ),
        case(
            "start_spawn",
            "start",
            "start + join, spawn (common::Process)",
            Unit::Seconds,
            true,
            |s| start_join(StartMethod::Spawn, s.n(50, 5)),
        ),
        case(
            "start_forkserver",
            "start",
            "start + join, forkserver (common::Process)",
            Unit::Seconds,
            true,
            |s| start_join(StartMethod::Forkserver, s.n(200, 20)),
        ),
        case(
            "floor_fork",
            "start",
            "floor: bare fork + waitpid",
            Unit::Seconds,
            false,
            |s| raw_fork(s.n(500, 50)),
        ),
        case(
            "floor_posix_spawn",
            "start",
            "floor: posix_spawn of /bin/true + wait",
            Unit::Seconds,
            false,
            |s| posix_spawn_true(s.n(200, 20)),
        ),
        case(
            "floor_exec_self",
            "start",
            "floor: exec of this same executable to a no-op + wait",
            Unit::Seconds,
            false,
            |s| exec_self_noop(s.n(50, 5)),
        ),
        pinned(case(
            "rtt_pipe",
            "rtt",
            "Pipe (common)",
            Unit::Seconds,
            true,
            |s| rtt_pipe(s.n(20_000, 1000)),
        )),
        pinned(case(
            "rtt_pipe_timeline",
            "rtt",
            "Pipe (common), recorded by --timeline",
            Unit::Seconds,
            false,
            |s| rtt_pipe_recorded(s.n(20_000, 1000)),
        )),
        pinned(case(
            "rtt_queue",
            "rtt",
            "Queue (common)",
            Unit::Seconds,
            true,
            |s| rtt_queue(s.n(20_000, 1000)),
        )),
        pinned(case(
            "rtt_ipc_channel",
            "rtt",
            "ipc-channel",
            Unit::Seconds,
            false,
            |s| rtt_ipc(s.n(20_000, 1000)),
        )),
        case(
            "rtt_shm",
            "rtt",
            "shared memory hand-off (spinning)",
            Unit::Seconds,
            false,
            |s| rtt_shm(s.n(200_000, 10_000)),
        ),
        with_mpi4py(
            case(
                "rtt_mpi",
                "rtt",
                "MPI send/recv, 8-byte buffer (rsmpi)",
                Unit::Seconds,
                false,
                |s| mpi_first(&["pingpong", &s.n(100_000, 5000).to_string(), "0", "1"]),
            ),
            2,
            &["pingpong", "20000", "2000"],
        ),
        with_mpi4py(
            case(
                "rtt_mpi_object",
                "rtt",
                "MPI send/recv, serialized value (rsmpi + serde)",
                Unit::Seconds,
                false,
                |s| mpi_first(&["objects", &s.n(100_000, 5000).to_string(), "0", "1"]),
            ),
            2,
            &["objects", "20000", "2000"],
        ),
        case(
            "rtt_mpich_c",
            "rtt",
            "MPI send/recv (MPICH, C)",
            Unit::Seconds,
            false,
            |s| mpich_c(s.n(100_000, 5000)),
        ),
        pinned(case(
            "rtt_crossbeam",
            "rtt",
            "crossbeam-channel, two threads",
            Unit::Seconds,
            false,
            |s| rtt_crossbeam(s.n(100_000, 5000)),
        )),
        pinned(case(
            "rtt_raw_pipe",
            "rtt",
            "floor: raw pipes, plain read/write",
            Unit::Seconds,
            false,
            |s| rtt_raw(false, s.n(20_000, 1000)),
        )),
        pinned(case(
            "rtt_raw_socketpair",
            "rtt",
            "floor: raw socket pair, plain read/write",
            Unit::Seconds,
            false,
            |s| rtt_raw(true, s.n(20_000, 1000)),
        )),
        // What waking a process on the other core costs on this machine:
        // why the round trips above are pinned to one.
        case(
            "rtt_raw_socketpair_cores",
            "rtt",
            "floor: raw socket pair, the two ends on different cores",
            Unit::Seconds,
            false,
            |s| rtt_raw_across_cores(s.n(20_000, 1000)),
        ),
    ];
    for (size, name) in SIZES {
        let total = |s: &Scale| if s.quick { 8 << 20 } else { 256 << 20 };
        let count = move |s: &Scale| (total(s) / size).max(2) as u64;
        cases.push(case(
            &format!("tp_pipe_{size}"),
            "throughput",
            &format!("Pipe (common), {name}"),
            Unit::BytesPerSecond,
            true,
            move |s| tp_pipe(size, count(s)),
        ));
        cases.push(case(
            &format!("tp_queue_{size}"),
            "throughput",
            &format!("Queue (common), {name}"),
            Unit::BytesPerSecond,
            true,
            move |s| tp_queue(size, count(s)),
        ));
        cases.push(case(
            &format!("tp_ipc_channel_{size}"),
            "throughput",
            &format!("ipc-channel, {name}"),
            Unit::BytesPerSecond,
            false,
            move |s| tp_ipc(size, count(s)),
        ));
        cases.push(case(
            &format!("tp_shm_{size}"),
            "throughput",
            &format!("shared memory hand-off, {name}"),
            Unit::BytesPerSecond,
            false,
            move |s| tp_shm(size, count(s)),
        ));
        let py_count = (64usize << 20).div_ceil(size).max(2).to_string();
        let py_quick = (8usize << 20).div_ceil(size).max(2).to_string();
        cases.push(with_mpi4py(
            case(
                &format!("tp_mpi_{size}"),
                "throughput",
                &format!("MPI send/recv (rsmpi), {name}"),
                Unit::BytesPerSecond,
                false,
                move |s| mpi_first(&["throughput", &size.to_string(), &count(s).to_string(), "1"]),
            ),
            2,
            &["throughput", &size.to_string(), &py_count, &py_quick],
        ));
        cases.push(case(
            &format!("tp_crossbeam_{size}"),
            "throughput",
            &format!("crossbeam-channel, {name}"),
            Unit::BytesPerSecond,
            false,
            move |s| tp_crossbeam(size, count(s)),
        ));
        cases.push(case(
            &format!("tp_raw_pipe_{size}"),
            "throughput",
            &format!("floor: raw pipe, plain write/read, {name}"),
            Unit::BytesPerSecond,
            false,
            move |s| tp_raw(false, size, count(s)),
        ));
        cases.push(case(
            &format!("tp_raw_socketpair_{size}"),
            "throughput",
            &format!("floor: raw socket pair, plain write/read, {name}"),
            Unit::BytesPerSecond,
            false,
            move |s| tp_raw(true, size, count(s)),
        ));
        cases.push(case(
            &format!("tp_memcpy_{size}"),
            "throughput",
            &format!("reference: memcpy, {name}"),
            Unit::BytesPerSecond,
            false,
            move |s| memcpy(size, count(s)),
        ));
    }
    cases.extend([
        pinned(case(
            "queue_items_1",
            "items",
            "Queue: small items, 1 producer",
            Unit::PerSecond,
            true,
            |s| queue_items(1, s.n(200_000, 10_000)),
        )),
        pinned(case(
            "queue_items_2",
            "items",
            "Queue: small items, 2 producers",
            Unit::PerSecond,
            true,
            |s| queue_items(2, s.n(100_000, 5_000)),
        )),
        case(
            "counter_1",
            "items",
            "locked shared counter, 1 process",
            Unit::PerSecond,
            true,
            |s| counter(1, s.n(1_000_000, 20_000)),
        ),
        case(
            "counter_2",
            "items",
            "locked shared counter, 2 processes",
            Unit::PerSecond,
            true,
            |s| counter(2, s.n(500_000, 10_000)),
        ),
        pinned(case(
            "floor_items_socketpair",
            "items",
            "floor: 16-byte records through a socket pair, one read each",
            Unit::PerSecond,
            false,
            |s| raw_items(s.n(200_000, 10_000)),
        )),
        // The queue's own kind of socket: each item a message of its own.
        pinned(case(
            "floor_items_seqpacket",
            "items",
            "floor: 16-byte messages through a SOCK_SEQPACKET pair, 256 per sendmmsg, one recv each",
            Unit::PerSecond,
            false,
            |s| raw_messages(s.n(200_000, 10_000)),
        )),
        pinned(case(
            "manager_set",
            "items",
            "Manager dictionary: sets",
            Unit::PerSecond,
            true,
            |s| manager(true, s.n(50_000, 2_000)),
        )),
        pinned(case(
            "manager_get",
            "items",
            "Manager dictionary: gets",
            Unit::PerSecond,
            true,
            |s| manager(false, s.n(50_000, 2_000)),
        )),
        case(
            "pool_speedup_2",
            "pool",
            "Pool.map, CPU-bound: 2 workers over 1",
            Unit::Ratio,
            true,
            |s| pool_speedup(s.n(400_000, 20_000)),
        ),
        case(
            "pool_over_serial_2",
            "pool",
            "Pool.map, CPU-bound: 2 workers over a plain loop",
            Unit::Ratio,
            false,
            |s| pool_over_serial(s.n(400_000, 20_000)),
        ),
        case(
            "pool_tiny_default",
            "pool",
            "Pool.map of 100,000 tiny tasks, default chunks",
            Unit::PerSecond,
            true,
            |s| pool_tiny(s.n(100_000, 5_000), None),
        ),
        case(
            "pool_tiny_1",
            "pool",
            "Pool.map of 100,000 tiny tasks, one per message",
            Unit::PerSecond,
            true,
            |s| pool_tiny(s.n(100_000, 5_000), Some(1)),
        ),
    ]);
    for np in [2, 4] {
        for name in ["bcast", "scatter", "gather", "alltoall", "reduce"] {
            cases.push(with_mpi4py(
                case(
                    &format!("mpi_{name}_{np}"),
                    "collectives",
                    &format!("MPI {name}, {np} ranks, 1,000 i64 per rank"),
                    Unit::Seconds,
                    false,
                    move |s| collective(np, name, s.n(300, 20), &[]),
                ),
                np,
                &["collectives", name, "300", "20"],
            ));
        }
    }
    // Oversubscribed (more ranks than cores): the same collective with
    // MPICH's yield setting, to see whether waiting ranks then give way.
    cases.push(case(
        "mpi_reduce_4_yield",
        "collectives",
        "MPI reduce, 4 ranks, with MPIR_CVAR_POLLS_BEFORE_YIELD=1",
        Unit::Seconds,
        false,
        move |s| {
            collective(
                4,
                "reduce",
                s.n(300, 20),
                &[("MPIR_CVAR_POLLS_BEFORE_YIELD", "1")],
            )
        },
    ));
    // In a multi-threaded MPICH, a wait lets go of MPICH's lock and yields
    // between polls: the other way a waiting rank might give way.
    cases.push(case(
        "mpi_reduce_4_threads",
        "collectives",
        "MPI reduce, 4 ranks, with MPIR_CVAR_DEFAULT_THREAD_LEVEL=MPI_THREAD_MULTIPLE",
        Unit::Seconds,
        false,
        move |s| {
            collective(
                4,
                "reduce",
                s.n(300, 20),
                &[("MPIR_CVAR_DEFAULT_THREAD_LEVEL", "MPI_THREAD_MULTIPLE")],
            )
        },
    ));
    // Scaling: how the cost grows with the workers, processes, ranks.
    for workers in [1u64, 2, 4] {
        cases.push(case(
            &format!("scale_pool_{workers}"),
            "scaling",
            &format!("Pool.map, CPU-bound tasks, {workers} workers"),
            Unit::PerSecond,
            false,
            move |s| pool_rate(workers, s.n(200_000, 20_000)),
        ));
    }
    for (producers, consumers) in [(1u64, 1u64), (2, 1), (4, 1), (1, 2), (2, 2)] {
        cases.push(case(
            &format!("scale_queue_{producers}p{consumers}c"),
            "scaling",
            &format!("Queue: small items, {producers} producers, {consumers} consumers"),
            Unit::PerSecond,
            false,
            move |s| queue_mpmc(producers, consumers, s.n(200_000, 10_000)),
        ));
    }
    for np in [2u32, 3, 4, 6, 8] {
        cases.push(case(
            &format!("scale_mpi_reduce_{np}"),
            "scaling",
            &format!("MPI reduce, {np} ranks"),
            Unit::Seconds,
            false,
            move |s| collective(np, "reduce", s.n(100, 10), &[]),
        ));
    }
    // The same two ranks, each on a simulated host of its own (TCP over a
    // bridge between network namespaces), beside `mpi_<name>_2` on one host.
    for name in ["bcast", "reduce"] {
        cases.push(case(
            &format!("mpi_{name}_2_hosts"),
            "collectives",
            &format!("MPI {name}, 2 ranks on 2 simulated hosts, 1,000 i64 per rank"),
            Unit::Seconds,
            false,
            move |s| collective_across_hosts(name, s.n(300, 20)),
        ));
    }
    cases
}

fn per(start: Instant, n: u64) -> f64 {
    start.elapsed().as_secs_f64() / n as f64
}

fn rate(start: Instant, n: u64) -> f64 {
    n as f64 / start.elapsed().as_secs_f64()
}

// ---------------------------------------------------------------------------
// Starting processes.

fn noop() {}

fn start_join(method: StartMethod, n: u64) -> Result<f64> {
    common::set_start_method(method);
    // The first forkserver start also starts the server: not what is measured.
    let mut first = Process::new(noop);
    first.start()?;
    first.join()?;
    let start = Instant::now();
    for _ in 0..n {
        let mut p = Process::new(noop);
        p.start()?;
        p.join()?;
    }
    common::set_start_method(StartMethod::Spawn);
    Ok(per(start, n))
}

fn raw_fork(n: u64) -> Result<f64> {
    let start = Instant::now();
    for _ in 0..n {
        // SAFETY: the bench's main thread forks while it is the only thread;
        // the child only calls `_exit`.
        match unsafe { nix::unistd::fork() }? {
            nix::unistd::ForkResult::Child => {
                // SAFETY: `_exit` runs no destructors or atexit handlers,
                // which is all a forked child may do here.
                unsafe { libc::_exit(0) }
            }
            nix::unistd::ForkResult::Parent { child } => {
                nix::sys::wait::waitpid(child, None)?;
            }
        }
    }
    Ok(per(start, n))
}

/// Starts this executable with the `noop` argument (it returns at once,
/// before anything else: see `main.rs`): what `spawn` cannot go below.
fn exec_self_noop(n: u64) -> Result<f64> {
    let exe = std::env::current_exe()?;
    let start = Instant::now();
    for _ in 0..n {
        std::process::Command::new(&exe).arg("noop").status()?;
    }
    Ok(per(start, n))
}

fn posix_spawn_true(n: u64) -> Result<f64> {
    let start = Instant::now();
    for _ in 0..n {
        std::process::Command::new("/bin/true").status()?;
    }
    Ok(per(start, n))
}

// ---------------------------------------------------------------------------
// Round trips of 8 bytes, and one-way throughput, per mechanism. Each
// starts an echo (or sink) child first and times only the messages.

fn echo_pipe(conn: Connection) -> Result<()> {
    while let Ok(bytes) = conn.recv_bytes() {
        conn.send_bytes(&bytes)?;
    }
    Ok(())
}

fn rtt_pipe(n: u64) -> Result<f64> {
    let (mine, theirs) = pipe(true)?;
    let mut child = Process::with_args(echo_pipe, theirs);
    child.start()?;
    let msg = [7u8; 8];
    mine.send_bytes(&msg)?;
    mine.recv_bytes()?;
    let start = Instant::now();
    for _ in 0..n {
        mine.send_bytes(&msg)?;
        mine.recv_bytes()?;
    }
    let t = per(start, n);
    drop(mine);
    child.join()?;
    Ok(t)
}

/// [`rtt_pipe`] while `--timeline` records both processes: what the
/// recording costs a round trip (four records on each side).
fn rtt_pipe_recorded(n: u64) -> Result<f64> {
    let svg = std::env::temp_dir().join(format!(
        "cookbook-bench-timeline-{}.svg",
        std::process::id()
    ));
    common::timeline::start(&svg)?;
    let t = rtt_pipe(n);
    let drawn = common::timeline::finish();
    let _ = std::fs::remove_file(&svg);
    drawn?;
    t
}

/// Messages for the queue echo: `None` says stop.
type Echo = Queue<Option<ByteBuf>>;

fn echo_queue((ping, pong): (Echo, Echo)) -> Result<()> {
    while let Some(bytes) = ping.get()? {
        pong.put(&Some(bytes))?;
    }
    Ok(())
}

fn rtt_queue(n: u64) -> Result<f64> {
    let (ping, pong) = (Queue::new()?, Queue::new()?);
    let mut child = Process::with_args(echo_queue, (ping.clone(), pong.clone()));
    child.start()?;
    let msg = Some(ByteBuf::from(vec![7u8; 8]));
    ping.put(&msg)?;
    pong.get()?;
    let start = Instant::now();
    for _ in 0..n {
        ping.put(&msg)?;
        pong.get()?;
    }
    let t = per(start, n);
    ping.put(&None)?;
    child.join()?;
    Ok(t)
}

type IpcPair = (
    ipc_channel::ipc::IpcSender<Vec<u8>>,
    ipc_channel::ipc::IpcReceiver<Vec<u8>>,
);

/// The child side of an ipc-channel: connects to the parent's one-shot
/// server, hands it a sender to us and a receiver from us, then echoes (or,
/// with `sink`, counts and acknowledges once).
fn ipc_child((server, sink): (String, Option<u64>)) -> Result<()> {
    let (to_child, from_parent) = ipc_channel::ipc::channel::<Vec<u8>>().map_err(io)?;
    let (to_parent, from_child) = ipc_channel::ipc::channel::<Vec<u8>>().map_err(io)?;
    let bootstrap = ipc_channel::ipc::IpcSender::<IpcPair>::connect(server).map_err(io)?;
    bootstrap
        .send((to_child, from_child))
        .map_err(|e| common::Error::new(e.to_string()))?;
    match sink {
        None => {
            while let Ok(bytes) = from_parent.recv() {
                if to_parent.send(bytes).is_err() {
                    break;
                }
            }
        }
        Some(count) => {
            for _ in 0..count {
                from_parent
                    .recv()
                    .map_err(|e| common::Error::new(e.to_string()))?;
            }
            to_parent
                .send(Vec::new())
                .map_err(|e| common::Error::new(e.to_string()))?;
        }
    }
    Ok(())
}

fn io(e: std::io::Error) -> common::Error {
    common::Error::new(e.to_string())
}

fn ipc_start(sink: Option<u64>) -> Result<(Process, IpcPair)> {
    let (server, name) = ipc_channel::ipc::IpcOneShotServer::<IpcPair>::new().map_err(io)?;
    let mut child = Process::with_args(ipc_child, (name, sink));
    child.start()?;
    let (_, pair) = server
        .accept()
        .map_err(|e| common::Error::new(e.to_string()))?;
    Ok((child, pair))
}

fn rtt_ipc(n: u64) -> Result<f64> {
    let (mut child, (tx, rx)) = ipc_start(None)?;
    let msg = vec![7u8; 8];
    let err = |e: ipc_channel::IpcError| common::Error::new(format!("{e:?}"));
    let start = Instant::now();
    for _ in 0..n {
        tx.send(msg.clone())
            .map_err(|e| common::Error::new(e.to_string()))?;
        rx.recv().map_err(err)?;
    }
    let t = per(start, n);
    drop(tx);
    child.join()?;
    Ok(t)
}

fn tp_ipc(size: usize, count: u64) -> Result<f64> {
    let (mut child, (tx, rx)) = ipc_start(Some(count))?;
    let msg = vec![1u8; size];
    let start = Instant::now();
    for _ in 0..count {
        tx.send(msg.clone())
            .map_err(|e| common::Error::new(e.to_string()))?;
    }
    rx.recv()
        .map_err(|e| common::Error::new(format!("{e:?}")))?;
    let r = rate(start, count * size as u64);
    drop(tx);
    child.join()?;
    Ok(r)
}

/// Shared memory laid out as: a "ping" counter, a "pong" counter, then a
/// buffer. Each side spins on the other's counter: the fastest hand-off
/// there is between two cores, at the price of a busy core while waiting.
struct Slot {
    mem: SharedMemory,
}

impl Slot {
    fn new(size: usize) -> Result<Slot> {
        Ok(Slot {
            mem: SharedMemory::new(128 + size)?,
        })
    }

    fn counter(&self, which: usize) -> &AtomicU64 {
        // SAFETY: two 8-aligned u64s at offsets 0 and 64, used only as atomics.
        unsafe { &*self.mem.as_ptr().add(which * 64).cast::<AtomicU64>() }
    }

    fn data(&self) -> *mut u8 {
        // SAFETY: the buffer starts 128 bytes in.
        unsafe { self.mem.as_ptr().add(128) }
    }

    fn wait_for(&self, which: usize, value: u64) {
        let mut spins = 0u32;
        while self.counter(which).load(Ordering::Acquire) < value {
            spins += 1;
            if spins.is_multiple_of(1024) {
                std::thread::yield_now();
            } else {
                std::hint::spin_loop();
            }
        }
    }
}

fn shm_child((mem, size, count): (SharedMemory, usize, u64)) -> Result<()> {
    let slot = Slot { mem };
    let mut private = vec![0u8; size];
    for i in 1..=count {
        slot.wait_for(0, i);
        // SAFETY: the parent wrote the buffer before publishing `i`, and does
        // not touch it again until we publish our `i`.
        unsafe { std::ptr::copy_nonoverlapping(slot.data(), private.as_mut_ptr(), size) };
        slot.counter(1).store(i, Ordering::Release);
    }
    Ok(())
}

/// `count` hand-offs of `size` bytes: the parent copies in, the child copies
/// out, each waiting for the other's counter.
fn shm_run(size: usize, count: u64) -> Result<f64> {
    let slot = Slot::new(size)?;
    let mut child = Process::with_args(shm_child, (slot.mem.try_clone()?, size, count + 1));
    child.start()?;
    let message = vec![3u8; size];
    let put = |i: u64| {
        // SAFETY: the child reads the buffer only after we publish `i`.
        unsafe { std::ptr::copy_nonoverlapping(message.as_ptr(), slot.data(), size) };
        slot.counter(0).store(i, Ordering::Release);
        slot.wait_for(1, i);
    };
    put(1); // warm-up: the child is running
    let start = Instant::now();
    for i in 2..=count + 1 {
        put(i);
    }
    let elapsed = start.elapsed().as_secs_f64();
    child.join()?;
    Ok(elapsed)
}

fn rtt_shm(n: u64) -> Result<f64> {
    Ok(shm_run(8, n)? / n as f64)
}

fn tp_shm(size: usize, count: u64) -> Result<f64> {
    Ok((size as u64 * count) as f64 / shm_run(size, count)?)
}

fn rtt_crossbeam(n: u64) -> Result<f64> {
    let (to_echo, echo_in) = crossbeam_channel::bounded::<[u8; 8]>(1);
    let (echo_out, back) = crossbeam_channel::bounded::<[u8; 8]>(1);
    let echo = std::thread::spawn(move || {
        while let Ok(m) = echo_in.recv() {
            if echo_out.send(m).is_err() {
                break;
            }
        }
    });
    let start = Instant::now();
    for _ in 0..n {
        to_echo
            .send([7; 8])
            .map_err(|e| common::Error::new(e.to_string()))?;
        back.recv().map_err(|e| common::Error::new(e.to_string()))?;
    }
    let t = per(start, n);
    drop(to_echo);
    let _ = echo.join();
    Ok(t)
}

fn tp_crossbeam(size: usize, count: u64) -> Result<f64> {
    // Room for about 4 MiB in flight: with room for only a few messages,
    // every small one would wake the other thread (a futex wake-up, across
    // cores), and that, not the channel, was measured.
    let room = ((4usize << 20) / size).clamp(4, 4096);
    let (tx, rx) = crossbeam_channel::bounded::<Vec<u8>>(room);
    let sink = std::thread::spawn(move || {
        let mut total = 0usize;
        while let Ok(m) = rx.recv() {
            total += m.len();
        }
        total
    });
    let message = vec![1u8; size];
    let start = Instant::now();
    for _ in 0..count {
        // A fresh copy per message, as a sender that keeps its buffer would make.
        tx.send(message.clone())
            .map_err(|e| common::Error::new(e.to_string()))?;
    }
    drop(tx);
    let total = sink.join().unwrap_or(0);
    Ok(total as f64 / start.elapsed().as_secs_f64())
}

fn sink_pipe((conn, count): (Connection, u64)) -> Result<()> {
    for _ in 0..count {
        conn.recv_bytes()?;
    }
    conn.send_bytes(b"ok")
}

fn tp_pipe(size: usize, count: u64) -> Result<f64> {
    let (mine, theirs) = pipe(true)?;
    let mut child = Process::with_args(sink_pipe, (theirs, count));
    child.start()?;
    let message = vec![1u8; size];
    let start = Instant::now();
    for _ in 0..count {
        mine.send_bytes(&message)?;
    }
    mine.recv_bytes()?;
    let r = rate(start, count * size as u64);
    child.join()?;
    Ok(r)
}

fn sink_queue((queue, done, count): (Queue<ByteBuf>, Queue<u8>, u64)) -> Result<()> {
    for _ in 0..count {
        queue.get()?;
    }
    done.put(&1)
}

fn tp_queue(size: usize, count: u64) -> Result<f64> {
    let (queue, done) = (Queue::new()?, Queue::new()?);
    let mut child = Process::with_args(sink_queue, (queue.clone(), done.clone(), count));
    child.start()?;
    // Bytes as bytes: serde's own `Vec<u8>` goes byte by byte (see the page).
    let message = ByteBuf::from(vec![1u8; size]);
    let start = Instant::now();
    for _ in 0..count {
        queue.put(&message)?;
    }
    done.get()?;
    let r = rate(start, count * size as u64);
    child.join()?;
    Ok(r)
}

/// The throughput floors: the child reads `count * size` bytes with plain
/// `read`s into one reused buffer, then writes one byte back.
fn raw_sink((reader, writer, total): (Inherit, Inherit, u64)) -> Result<()> {
    let mut buf = vec![0u8; 1 << 20];
    let mut left = total;
    while left > 0 {
        let want = buf.len().min(left as usize);
        // SAFETY: a plain read into our own buffer.
        let n = unsafe { libc::read(reader.as_raw_fd(), buf.as_mut_ptr().cast(), want) };
        if n <= 0 {
            return Err(common::Error::new("the raw stream ended early"));
        }
        left -= n as u64;
    }
    // SAFETY: a plain one-byte write.
    unsafe { libc::write(writer.as_raw_fd(), buf.as_ptr().cast(), 1) };
    Ok(())
}

fn tp_raw(socket: bool, size: usize, count: u64) -> Result<f64> {
    let (down_r, down_w) = raw_pair(socket)?;
    let (up_r, up_w) = raw_pair(socket)?;
    let total = count * size as u64;
    let mut child = Process::with_args(raw_sink, (Inherit::new(down_r), Inherit::new(up_w), total));
    child.start()?;
    let message = vec![1u8; size];
    let start = Instant::now();
    for _ in 0..count {
        let mut sent = 0;
        while sent < size {
            // SAFETY: a plain write from our own buffer.
            let n = unsafe {
                libc::write(
                    down_w.as_raw_fd(),
                    message[sent..].as_ptr().cast(),
                    size - sent,
                )
            };
            if n <= 0 {
                return Err(std::io::Error::last_os_error().into());
            }
            sent += n as usize;
        }
    }
    let mut ack = [0u8; 1];
    // SAFETY: a plain read into our own buffer.
    unsafe { libc::read(up_r.as_raw_fd(), ack.as_mut_ptr().cast(), 1) };
    let r = rate(start, total);
    child.join()?;
    Ok(r)
}

fn memcpy(size: usize, count: u64) -> Result<f64> {
    let from = Buffer::new(size, 1);
    let mut to = Buffer::new(size, 0);
    let start = Instant::now();
    for i in 0..count {
        to.copy_from_slice(&from);
        std::hint::black_box(&mut *to);
        to[0] = i as u8;
    }
    Ok(rate(start, count * size as u64))
}

/// The floors: two raw descriptors (pipes or a socket pair) and plain
/// `read`/`write` system calls, with no framing and no serialization.
fn raw_echo((reader, writer, n): (Inherit, Inherit, u64)) -> Result<()> {
    let mut buf = [0u8; 8];
    for _ in 0..n {
        // SAFETY: plain reads and writes on descriptors we own, into our buffer.
        unsafe {
            libc::read(reader.as_raw_fd(), buf.as_mut_ptr().cast(), 8);
            libc::write(writer.as_raw_fd(), buf.as_ptr().cast(), 8);
        }
    }
    Ok(())
}

/// The two cores this process may run on first, if it may run on two.
fn two_cores() -> Option<(usize, usize)> {
    let allowed = nix::sched::sched_getaffinity(nix::unistd::Pid::from_raw(0)).ok()?;
    let mut cores =
        (0..nix::sched::CpuSet::count()).filter(|&c| allowed.is_set(c).unwrap_or(false));
    Some((cores.next()?, cores.next()?))
}

fn run_on(core: usize) -> Result<()> {
    let mut one = nix::sched::CpuSet::new();
    one.set(core)?;
    nix::sched::sched_setaffinity(nix::unistd::Pid::from_raw(0), &one)?;
    Ok(())
}

fn raw_echo_on((reader, writer, n, core): (Inherit, Inherit, u64, usize)) -> Result<()> {
    run_on(core)?;
    raw_echo((reader, writer, n))
}

/// The raw socket pair's round trip with the parent on one core and the
/// child on the other: every message wakes a process on the other core.
fn rtt_raw_across_cores(n: u64) -> Result<f64> {
    let (mine, here) = two_cores().ok_or_else(|| common::Error::new("needs two cores"))?;
    let before = nix::sched::sched_getaffinity(nix::unistd::Pid::from_raw(0))?;
    run_on(mine)?;
    let (parent, child_end) = raw_pair(true)?;
    let mut child = Process::with_args(
        raw_echo_on,
        (
            Inherit::new(child_end.try_clone()?),
            Inherit::new(child_end),
            n + 1,
            here,
        ),
    );
    let measured = time_round_trips(&mut child, parent.as_fd(), parent.as_fd(), n);
    nix::sched::sched_setaffinity(nix::unistd::Pid::from_raw(0), &before)?;
    measured
}

fn raw_pair(socket: bool) -> Result<(OwnedFd, OwnedFd)> {
    if socket {
        Ok(nix::sys::socket::socketpair(
            nix::sys::socket::AddressFamily::Unix,
            nix::sys::socket::SockType::Stream,
            None,
            nix::sys::socket::SockFlag::SOCK_CLOEXEC,
        )?)
    } else {
        Ok(nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?)
    }
}

fn rtt_raw(socket: bool, n: u64) -> Result<f64> {
    // Parent writes to `down`, child reads it; child writes to `up`, parent
    // reads. A socket pair goes both ways, so one pair serves for both, as
    // in `common`'s Pipe; pipes go one way, so it takes two.
    let (down_r, down_w, up_r, up_w) = if socket {
        let (mine, theirs) = raw_pair(true)?;
        (theirs.try_clone()?, mine.try_clone()?, mine, theirs)
    } else {
        let (down_r, down_w) = raw_pair(false)?;
        let (up_r, up_w) = raw_pair(false)?;
        (down_r, down_w, up_r, up_w)
    };
    let mut child = Process::with_args(raw_echo, (Inherit::new(down_r), Inherit::new(up_w), n + 1));
    time_round_trips(&mut child, down_w.as_fd(), up_r.as_fd(), n)
}

/// Starts the echoing `child` and times `n` round trips of 8 bytes with
/// plain system calls: written to `down`, read back from `up` (one more
/// first, untimed, which the child counts in).
fn time_round_trips(child: &mut Process, down: BorrowedFd, up: BorrowedFd, n: u64) -> Result<f64> {
    child.start()?;
    let mut buf = [7u8; 8];
    let round = |buf: &mut [u8; 8]| {
        // SAFETY: as in `raw_echo`.
        unsafe {
            libc::write(down.as_raw_fd(), buf.as_ptr().cast(), 8);
            libc::read(up.as_raw_fd(), buf.as_mut_ptr().cast(), 8);
        }
    };
    round(&mut buf);
    let start = Instant::now();
    for _ in 0..n {
        round(&mut buf);
    }
    let t = per(start, n);
    child.join()?;
    Ok(t)
}

// ---------------------------------------------------------------------------
// Many small operations.

fn produce((queue, n): (Queue<u64>, u64)) -> Result<()> {
    for i in 0..n {
        queue.put(&i)?;
    }
    Ok(())
}

fn queue_items(producers: u64, per_producer: u64) -> Result<f64> {
    let queue = Queue::new()?;
    let mut children: Vec<Process> = (0..producers)
        .map(|_| Process::with_args(produce, (queue.clone(), per_producer)))
        .collect();
    let start = Instant::now();
    for c in &mut children {
        c.start()?;
    }
    for _ in 0..producers * per_producer {
        queue.get()?;
    }
    let r = rate(start, producers * per_producer);
    for c in &mut children {
        c.join()?;
    }
    Ok(r)
}

/// The floor of a queue's item rate: a child writes 16-byte records in
/// batches of 256 (as a feeder does), the parent reads them one `read`
/// each (as a consumer must, to take one item and leave the rest).
fn raw_writer((writer, n): (Inherit, u64)) -> Result<()> {
    let batch = [5u8; 16 * 256];
    let mut left = n * 16;
    while left > 0 {
        let want = (batch.len() as u64).min(left) as usize;
        // SAFETY: a plain write from our own buffer.
        let wrote = unsafe { libc::write(writer.as_raw_fd(), batch.as_ptr().cast(), want) };
        if wrote <= 0 {
            return Err(std::io::Error::last_os_error().into());
        }
        left -= wrote as u64;
    }
    Ok(())
}

fn raw_items(n: u64) -> Result<f64> {
    let (reader, writer) = raw_pair(true)?;
    let mut child = Process::with_args(raw_writer, (Inherit::new(writer), n));
    let start = Instant::now();
    child.start()?;
    let mut record = [0u8; 16];
    for _ in 0..n {
        let mut got = 0;
        while got < 16 {
            // SAFETY: a plain read into our own buffer.
            let r = unsafe {
                libc::read(
                    reader.as_raw_fd(),
                    record[got..].as_mut_ptr().cast(),
                    16 - got,
                )
            };
            if r <= 0 {
                return Err(common::Error::new("the record stream ended early"));
            }
            got += r as usize;
        }
    }
    let r = rate(start, n);
    child.join()?;
    Ok(r)
}

/// The floor of a queue's item rate with the queue's own transport: a
/// child sends 16-byte messages 256 per `sendmmsg` (as the feeder does)
/// into a `SOCK_SEQPACKET` pair whose send buffer is raised as the queue's
/// is; the parent takes them one `recv` each.
fn raw_message_writer((writer, n): (Inherit, u64)) -> Result<()> {
    let record = [5u8; 16];
    let mut iovecs = [libc::iovec {
        iov_base: record.as_ptr() as *mut libc::c_void,
        iov_len: record.len(),
    }; 256];
    // Each header points at its own iovec, which outlives the calls below.
    let mut messages: Vec<libc::mmsghdr> = iovecs
        .iter_mut()
        .map(|iov| {
            // SAFETY: an all-zero mmsghdr is a valid empty one.
            let mut m: libc::mmsghdr = unsafe { std::mem::zeroed() };
            m.msg_hdr.msg_iov = iov;
            m.msg_hdr.msg_iovlen = 1;
            m
        })
        .collect();
    let mut left = n;
    while left > 0 {
        let want = left.min(messages.len() as u64) as u32;
        // SAFETY: `messages` holds `want` valid headers at least.
        let sent = unsafe { libc::sendmmsg(writer.as_raw_fd(), messages.as_mut_ptr(), want, 0) };
        if sent <= 0 {
            return Err(std::io::Error::last_os_error().into());
        }
        left -= sent as u64;
    }
    Ok(())
}

fn raw_messages(n: u64) -> Result<f64> {
    let (reader, writer) = nix::sys::socket::socketpair(
        nix::sys::socket::AddressFamily::Unix,
        nix::sys::socket::SockType::SeqPacket,
        None,
        nix::sys::socket::SockFlag::SOCK_CLOEXEC,
    )?;
    nix::sys::socket::setsockopt(&writer, nix::sys::socket::sockopt::SndBuf, &(4 << 20))?;
    let mut child = Process::with_args(raw_message_writer, (Inherit::new(writer), n));
    let start = Instant::now();
    child.start()?;
    let mut record = [0u8; 16];
    for _ in 0..n {
        // SAFETY: a plain receive into our own buffer.
        let r = unsafe { libc::recv(reader.as_raw_fd(), record.as_mut_ptr().cast(), 16, 0) };
        if r != 16 {
            return Err(common::Error::new("the message stream ended early"));
        }
    }
    let r = rate(start, n);
    child.join()?;
    Ok(r)
}

fn consume((queue, n): (Queue<u64>, u64)) -> Result<()> {
    for _ in 0..n {
        queue.get()?;
    }
    Ok(())
}

/// Items per second through one queue with `producers` and `consumers`,
/// all of them child processes; the parent only times them.
fn queue_mpmc(producers: u64, consumers: u64, total: u64) -> Result<f64> {
    let queue = Queue::new()?;
    let each = total / producers;
    let total = each * producers;
    let mut children: Vec<Process> = (0..producers)
        .map(|_| Process::with_args(produce, (queue.clone(), each)))
        .collect();
    for c in 0..consumers {
        let share = total / consumers + u64::from(c < total % consumers);
        children.push(Process::with_args(consume, (queue.clone(), share)));
    }
    let start = Instant::now();
    for c in &mut children {
        c.start()?;
    }
    for c in &mut children {
        c.join()?;
    }
    Ok(rate(start, total))
}

fn increment((counter, start, n): (Value<u64>, Barrier, u64)) -> Result<()> {
    start.wait(None)?;
    for _ in 0..n {
        *counter.lock()? += 1;
    }
    Ok(())
}

fn counter(processes: u64, each: u64) -> Result<f64> {
    let value = Value::new(0u64)?;
    let barrier = Barrier::new(processes as u32 + 1)?;
    let mut children: Vec<Process> = (0..processes)
        .map(|_| Process::with_args(increment, (value.clone(), barrier.clone(), each)))
        .collect();
    for c in &mut children {
        c.start()?;
    }
    barrier.wait(None)?;
    let start = Instant::now();
    for c in &mut children {
        c.join()?;
    }
    let r = rate(start, processes * each);
    if value.get()? != processes * each {
        return Err(common::Error::new("the locked counter lost an increment"));
    }
    Ok(r)
}

fn manager(sets: bool, n: u64) -> Result<f64> {
    let manager = Manager::start()?;
    let dict = manager.dict::<u64, u64>()?;
    if !sets {
        for i in 0..n {
            dict.set(&i, &i)?;
        }
    }
    let start = Instant::now();
    for i in 0..n {
        if sets {
            dict.set(&i, &i)?;
        } else {
            dict.get(&i)?;
        }
    }
    let r = rate(start, n);
    manager.shutdown()?;
    Ok(r)
}

pub fn count_primes(n: u64) -> u64 {
    (2..n)
        .filter(|&k| (2..).take_while(|d| d * d <= k).all(|d| k % d != 0))
        .count() as u64
}

/// A plain loop's time over a 2-worker pool's, for the same 8 tasks.
fn pool_over_serial(work: u64) -> Result<f64> {
    let start = Instant::now();
    let serial: Vec<u64> = (0..8).map(|_| count_primes(work)).collect();
    let serial_time = start.elapsed().as_secs_f64();
    let pool = Pool::new(2)?;
    pool.map(square, 0..4)?; // the workers are up and running
    let start = Instant::now();
    let pooled = pool.map_chunked(count_primes, vec![work; 8], 1)?;
    if pooled != serial {
        return Err(common::Error::new(
            "the pool computed something else than the loop",
        ));
    }
    Ok(serial_time / start.elapsed().as_secs_f64())
}

/// Time with 2 workers over time with 1, for 8 CPU-bound tasks.
fn pool_speedup(work: u64) -> Result<f64> {
    let mut times = Vec::new();
    for workers in [1, 2] {
        let pool = Pool::new(workers)?;
        pool.map(square, 0..4)?; // the workers are up and running
        let start = Instant::now();
        pool.map_chunked(count_primes, vec![work; 8], 1)?;
        times.push(start.elapsed().as_secs_f64());
    }
    Ok(times[0] / times[1])
}

/// CPU-bound tasks per second with `workers` workers (16 tasks).
fn pool_rate(workers: u64, work: u64) -> Result<f64> {
    let pool = Pool::new(workers as usize)?;
    pool.map(square, 0..4)?; // the workers are up and running
    let start = Instant::now();
    pool.map_chunked(count_primes, vec![work; 16], 1)?;
    Ok(rate(start, 16))
}

fn square(x: u64) -> u64 {
    x * x
}

fn pool_tiny(n: u64, chunksize: Option<usize>) -> Result<f64> {
    let pool = Pool::new(2)?;
    pool.map(square, 0..4)?; // the workers are up and running
    let start = Instant::now();
    match chunksize {
        Some(c) => pool.map_chunked(square, 0..n, c)?,
        None => pool.map(square, 0..n)?,
    };
    Ok(rate(start, n))
}

// ---------------------------------------------------------------------------
// MPI.

fn mpi_first(args: &[&str]) -> Result<f64> {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let lines = crate::mpi::launch(2, &args)?;
    lines
        .first()
        .and_then(|l| l.trim().parse().ok())
        .ok_or_else(|| common::Error::new("no figure from the MPI run"))
}

fn mpich_c(n: u64) -> Result<f64> {
    let exe = crate::mpi::build_c_pingpong()?;
    let output = std::process::Command::new("mpiexec")
        .args(["-n", "2"])
        .arg(exe)
        .args([n.to_string(), "1".into()])
        .output()?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .next()
        .and_then(|l| l.trim().parse().ok())
        .ok_or_else(|| common::Error::new("no figure from the C ping-pong"))
}

/// [`collective`] with 2 ranks on 2 simulated hosts, one rank each
/// (MPICH's `-ppn 1`), made for the sample and removed after it.
fn collective_across_hosts(name: &str, iters: u64) -> Result<f64> {
    hosts::permitted().map_err(common::Error::new)?;
    let made = hosts::Hosts::up("ckm", 2).map_err(common::Error::new)?;
    let hosts = hosts::Guard(made);
    let launcher = format!("{} -ppn 1", hosts.launcher(hosts::Mpi::Mpich));
    collective_with(&launcher, 2, name, iters, &[])
}

fn collective(np: u32, name: &str, iters: u64, env: &[(&str, &str)]) -> Result<f64> {
    collective_with("mpiexec", np, name, iters, env)
}

fn collective_with(
    launcher: &str,
    np: u32,
    name: &str,
    iters: u64,
    env: &[(&str, &str)],
) -> Result<f64> {
    let lines = crate::mpi::launch_with(
        launcher,
        np,
        env,
        &[
            "collectives".into(),
            iters.to_string(),
            name.into(),
            "1".into(),
        ],
    )?;
    lines
        .iter()
        .find_map(|l| {
            l.strip_prefix(&format!("{name} "))
                .and_then(|v| v.trim().parse().ok())
        })
        .ok_or_else(|| common::Error::new(format!("no figure for {name}")))
}

/// A buffer of `len` bytes, each `fill`, for the copies measured against
/// each other: page-aligned, and from 4 MiB on, 2 MiB-aligned and on huge
/// pages where the kernel gives them on request.
///
/// - Aligned, because where two buffers fall matters more than the copy: a
///   destination 16 bytes past a multiple of 4 KiB from its source (two
///   64 KiB vectors allocated one after the other, say) makes this
///   machine's memcpy some 15 times slower, each load waiting on a store
///   it only seems to depend on.
/// - Huge pages, because numpy asks for them (`madvise`) for every array
///   of 4 MiB or more: the MPI cases' Python twins move memory on 2 MiB
///   pages, and copying 16 MiB costs less on them (a 512th of the pages to
///   look up, pin and map). The Rust side asks the same, and so does the
///   memcpy it is compared with.
pub struct Buffer {
    /// The bytes from `start` on are the buffer's.
    memory: Vec<u8>,
    start: usize,
}

impl Buffer {
    pub fn new(len: usize, fill: u8) -> Buffer {
        const HUGE: usize = 2 << 20;
        let align = if len >= 4 << 20 { HUGE } else { 4096 };
        let mut memory: Vec<u8> = Vec::with_capacity(len + align);
        let base = memory.as_ptr() as usize;
        let start = base.next_multiple_of(align) - base;
        if align == HUGE {
            let huge = len / HUGE * HUGE;
            // SAFETY: the range lies inside the vector's allocation; the advice
            // changes how its pages are backed, not their contents. Refused (no
            // THP in this kernel): plain pages, still correct.
            unsafe {
                libc::madvise(
                    (base + start) as *mut libc::c_void,
                    huge,
                    libc::MADV_HUGEPAGE,
                );
            }
        }
        memory.resize(start + len, fill);
        Buffer { memory, start }
    }
}

impl std::ops::Deref for Buffer {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.memory[self.start..]
    }
}

impl std::ops::DerefMut for Buffer {
    fn deref_mut(&mut self) -> &mut [u8] {
        &mut self.memory[self.start..]
    }
}
