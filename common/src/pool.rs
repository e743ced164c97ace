//! `Pool`: the counterpart of Python's `multiprocessing.Pool`.
//!
//! A fixed number of long-lived worker processes run tasks sent to them:
//! `map` a function over many inputs, `apply` it to one, asynchronously or
//! not, or iterate over results as they come (`imap`, `imap_unordered`).
//!
//! How, in one paragraph: each worker has a connection of its own to the
//! pool. The pool cuts the inputs into *chunks*, sends a chunk to each idle
//! worker, and collects what comes back; whoever waits for a result (`get`,
//! `map`, the next item of `imap`) does this work meanwhile, so the pool
//! needs no thread of its own and works under both start methods. Because
//! the pool knows which chunk each worker holds, a worker that dies takes
//! nothing silently with it: its tasks are reported as failed, and a new
//! worker takes its place. A task that panics fails alone, with the panic's
//! message; the worker and the pool carry on.

use crate::pipe::{Connection, pipe};
use crate::process::{address_of, offset_of};
use crate::{Error, Process, Result, StartMethod, get_start_method};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::marker::PhantomData;
use std::os::fd::AsFd;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------
// Functions, as they travel to a worker (see `process/start.rs` for why an
// offset in the executable identifies a function in every process).

/// Runs a function over a chunk: `args` holds `count` encoded inputs one
/// after another; the answer holds `count` encoded `Result<R, String>`s the
/// same way. Whole chunks travel as one buffer each: no allocation per input.
type ChunkEntry = fn(target: usize, args: &[u8], count: usize) -> Vec<u8>;

#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
struct Func {
    entry: isize,
    target: isize,
}

/// Runs `call` on each of `count` inputs decoded from `args`, each under
/// `catch_unwind`, and encodes each outcome.
fn run_chunk<A: DeserializeOwned, R: Serialize>(
    args: &[u8],
    count: usize,
    call: impl Fn(A) -> R,
) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = args;
    for _ in 0..count {
        let outcome: std::result::Result<R, String> = match postcard::take_from_bytes::<A>(rest) {
            Ok((arg, tail)) => {
                rest = tail;
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| call(arg))).map_err(|_| {
                    LAST_PANIC
                        .with(|p| p.borrow_mut().take())
                        .unwrap_or_else(|| "panicked".into())
                })
            }
            Err(e) => Err(format!("cannot decode the input: {e}")),
        };
        out = postcard::to_extend(&outcome, out).unwrap_or_default();
    }
    out
}

impl Func {
    fn of<A: DeserializeOwned, R: Serialize>(f: fn(A) -> R) -> Func {
        fn entry<A: DeserializeOwned, R: Serialize>(
            target: usize,
            args: &[u8],
            count: usize,
        ) -> Vec<u8> {
            // SAFETY: `target` was made from a `fn(A) -> R` of this same executable.
            let f = unsafe { std::mem::transmute::<usize, fn(A) -> R>(target) };
            run_chunk(args, count, f)
        }
        Func {
            entry: offset_of(entry::<A, R> as ChunkEntry as usize),
            target: offset_of(f as usize),
        }
    }

    fn of2<A: DeserializeOwned, B: DeserializeOwned, R: Serialize>(f: fn(A, B) -> R) -> Func {
        fn entry<A: DeserializeOwned, B: DeserializeOwned, R: Serialize>(
            target: usize,
            args: &[u8],
            count: usize,
        ) -> Vec<u8> {
            // SAFETY: `target` was made from a `fn(A, B) -> R` of this same executable.
            let f = unsafe { std::mem::transmute::<usize, fn(A, B) -> R>(target) };
            run_chunk(args, count, |(a, b): (A, B)| f(a, b))
        }
        Func {
            entry: offset_of(entry::<A, B, R> as ChunkEntry as usize),
            target: offset_of(f as usize),
        }
    }

    fn call(&self, args: &[u8], count: usize) -> Vec<u8> {
        // SAFETY: `entry` was made from a `ChunkEntry` of this same executable.
        let entry = unsafe { std::mem::transmute::<usize, ChunkEntry>(address_of(self.entry)) };
        entry(address_of(self.target), args, count)
    }
}

#[derive(Serialize, Deserialize)]
enum ToWorker {
    Task {
        id: TaskId,
        func: Func,
        count: usize,
        args: Vec<u8>,
    },
    Stop,
}

#[derive(Serialize, Deserialize)]
struct Done {
    id: TaskId,
    count: usize,
    /// Each input's `Result<R, String>`, encoded one after another.
    results: Vec<u8>,
}

/// A chunk of a job: the job, and the index of the chunk's first input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
struct TaskId {
    job: u64,
    first: usize,
}

// ---------------------------------------------------------------------------
// The worker process.

#[derive(Serialize, Deserialize)]
struct WorkerSetup {
    conn: Connection,
    initializer: Option<(Func, Vec<u8>)>,
    max_tasks: Option<u32>,
}

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

// ANCHOR: worker
/// A worker's life: run the initializer, then chunks of tasks until told to
/// stop (or until `max_tasks` chunks are done). Each input runs under
/// `catch_unwind` (see `run_chunk`), so a panic fails that input only.
fn worker_main(setup: WorkerSetup) -> Result<()> {
    // A panicking task is reported to the caller, with its message and
    // place; the worker keeps quiet about it.
    std::panic::set_hook(Box::new(|info| {
        let text = info.to_string().replace('\n', " ");
        LAST_PANIC.with(|p| *p.borrow_mut() = Some(text));
    }));
    if let Some((func, arg)) = &setup.initializer {
        let outcome = func.call(arg, 1);
        if let Ok((Err(why), _)) =
            postcard::take_from_bytes::<std::result::Result<(), String>>(&outcome)
        {
            return Err(Error::new(format!("the pool's initializer failed: {why}")));
        }
    }
    let mut done = 0;
    while let Ok(ToWorker::Task {
        id,
        func,
        count,
        args,
    }) = setup.conn.recv::<ToWorker>()
    {
        let results = func.call(&args, count);
        setup.conn.send(&Done { id, count, results })?;
        done += 1;
        if setup.max_tasks.is_some_and(|max| done >= max) {
            break; // the pool starts a fresh worker in our place
        }
    }
    Ok(())
}
// ANCHOR_END: worker

// ---------------------------------------------------------------------------
// The pool's side.

struct Worker {
    process: Process,
    conn: Connection,
    /// The chunks sent to this worker and not yet answered, oldest first
    /// (the one it is running, and one waiting in its socket, so that it
    /// never waits for us between chunks), with their input counts.
    busy: VecDeque<Sent>,
    /// Chunks sent to it so far (for `max_tasks`).
    sent: u32,
}

/// A chunk's results, as they came back: `count` encoded outcomes.
struct ChunkResults {
    count: usize,
    bytes: Vec<u8>,
}

#[derive(Default)]
struct Job {
    /// Results, by the index of their chunk's first input.
    chunks: std::collections::BTreeMap<usize, ChunkResults>,
    /// Inputs whose results are not back yet.
    remaining: usize,
    /// Chunks (first index) in the order they came back, for `imap_unordered`.
    arrived: VecDeque<usize>,
}

/// How many chunks a worker may hold at once.
const PREFETCH: usize = 2;

/// A chunk sent to a worker. One queued behind another keeps a copy, to be
/// sent elsewhere if the worker dies before starting it.
struct Sent {
    id: TaskId,
    count: usize,
    copy: Option<Chunk>,
}

/// A chunk waiting for a worker.
#[derive(Clone)]
struct Chunk {
    id: TaskId,
    func: Func,
    count: usize,
    args: Vec<u8>,
}

struct State {
    workers: Vec<Worker>,
    /// Chunks waiting for an idle worker.
    pending: VecDeque<Chunk>,
    jobs: HashMap<u64, Job>,
    next_job: u64,
    closed: bool,
    terminated: bool,
    initializer: Option<(Func, Vec<u8>)>,
    max_tasks: Option<u32>,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

impl State {
    fn start_worker(&mut self) -> Result<()> {
        let (mine, theirs) = pipe(true)?;
        let setup = WorkerSetup {
            conn: theirs,
            initializer: self.initializer.clone(),
            max_tasks: self.max_tasks,
        };
        // Python's names: ForkPoolWorker-1, SpawnPoolWorker-2, ...
        let process = Process::with_args(worker_main, setup).daemon(true);
        let kind = match get_start_method() {
            StartMethod::Fork => "ForkPoolWorker",
            StartMethod::Spawn => "SpawnPoolWorker",
            StartMethod::Forkserver => "ForkServerPoolWorker",
        };
        let name = process.get_name().replacen("Process", kind, 1);
        let mut process = process.name(name);
        process.start()?;
        self.workers.push(Worker {
            process,
            conn: mine,
            busy: VecDeque::new(),
            sent: 0,
        });
        Ok(())
    }

    fn new_job(&mut self, inputs: usize) -> u64 {
        let id = self.next_job;
        self.next_job += 1;
        self.jobs.insert(
            id,
            Job {
                remaining: inputs,
                ..Job::default()
            },
        );
        id
    }

    fn record(&mut self, id: TaskId, count: usize, bytes: Vec<u8>) {
        if let Some(job) = self.jobs.get_mut(&id.job) {
            job.chunks.insert(id.first, ChunkResults { count, bytes });
            job.remaining = job.remaining.saturating_sub(count);
            job.arrived.push_back(id.first);
        }
    }

    fn fail(&mut self, id: TaskId, count: usize, why: &str) {
        // `Err(why)` is encoded the same whatever the success type is.
        let failed: std::result::Result<(), String> = Err(why.to_string());
        let mut bytes = Vec::new();
        for _ in 0..count {
            bytes = postcard::to_extend(&failed, bytes).unwrap_or_default();
        }
        self.record(id, count, bytes);
    }

    /// Sends waiting chunks to workers: first one to each idle worker, then
    /// a second to each, queued behind the one it runs.
    fn dispatch(&mut self) -> Result<()> {
        for in_flight in 0..PREFETCH {
            for w in 0..self.workers.len() {
                let worker = &self.workers[w];
                let retiring = self.max_tasks.is_some_and(|max| worker.sent >= max);
                if worker.busy.len() != in_flight || retiring {
                    continue;
                }
                let Some(chunk) = self.pending.pop_front() else {
                    return Ok(());
                };
                let worker = &mut self.workers[w];
                let entry = Sent {
                    id: chunk.id,
                    count: chunk.count,
                    copy: (in_flight > 0).then(|| chunk.clone()),
                };
                let task = ToWorker::Task {
                    id: chunk.id,
                    func: chunk.func,
                    count: chunk.count,
                    args: chunk.args,
                };
                // If the worker is gone, the send fails: the chunk is kept as
                // sent all the same, so that it is reported when the worker
                // is found dead, not lost.
                if worker.conn.send(&task).is_ok() {
                    worker.sent += 1;
                }
                worker.busy.push_back(entry);
            }
        }
        Ok(())
    }

    /// Waits at most `wait` for results, storing what comes, replacing dead
    /// workers, and keeping every worker busy.
    fn pump(&mut self, wait: Duration) -> Result<()> {
        self.dispatch()?;
        if self.workers.is_empty() {
            std::thread::sleep(wait);
            return Ok(());
        }
        let ready: Vec<bool> = {
            let mut fds: Vec<PollFd> = self
                .workers
                .iter()
                .map(|w| PollFd::new(w.conn.as_fd(), PollFlags::POLLIN))
                .collect();
            let millis = PollTimeout::try_from(wait.as_millis().min(1000) as i32)
                .unwrap_or(PollTimeout::ZERO);
            match poll(&mut fds, millis) {
                Ok(_) | Err(nix::errno::Errno::EINTR) => {}
                Err(e) => return Err(e.into()),
            }
            fds.iter()
                .map(|f| f.revents().is_some_and(|r| !r.is_empty()))
                .collect()
        };
        let mut dead = Vec::new();
        for (w, ready) in ready.into_iter().enumerate() {
            if !ready {
                continue;
            }
            match self.workers[w].conn.recv::<Done>() {
                Ok(done) => {
                    self.workers[w].busy.pop_front();
                    self.record(done.id, done.count, done.results);
                }
                Err(_) => dead.push(w),
            }
        }
        for w in dead.into_iter().rev() {
            self.bury(w)?;
        }
        self.dispatch()
    }

    // ANCHOR: bury
    /// A worker's connection closed: it has exited (its tasks done, or
    /// killed). Report what it was running, and start another in its place.
    fn bury(&mut self, w: usize) -> Result<()> {
        let mut worker = self.workers.remove(w);
        worker.process.join()?;
        // The oldest chunk is the one it was running; any behind it never
        // started, and go back to the front of the line.
        if let Some(Sent {
            id, count: inputs, ..
        }) = worker.busy.pop_front()
        {
            let why = format!(
                "worker {} (pid {}) died while running this task (exit code {})",
                worker.process.get_name(),
                worker.process.pid().unwrap_or(0),
                worker.process.exitcode().unwrap_or(0)
            );
            self.fail(id, inputs, &why);
        }
        for sent in worker.busy.drain(..).rev() {
            match sent.copy {
                Some(chunk) => self.pending.push_front(chunk),
                None => self.fail(sent.id, sent.count, "its worker died"),
            }
        }
        if !self.terminated {
            self.start_worker()?;
        }
        Ok(())
    }
    // ANCHOR_END: bury

    fn idle(&self) -> bool {
        self.pending.is_empty() && self.workers.iter().all(|w| w.busy.is_empty())
    }
}

/// A pool of worker processes.
///
/// ```no_run
/// fn square(x: u64) -> u64 {
///     x * x
/// }
/// let pool = common::Pool::new(4)?;
/// assert_eq!(pool.map(square, 0..5)?, [0, 1, 4, 9, 16]);
/// # Ok::<(), common::Error>(())
/// ```
pub struct Pool {
    state: Arc<Mutex<State>>,
    size: usize,
}

/// How to build a [`Pool`] with options (Python's keyword arguments).
pub struct PoolBuilder {
    processes: usize,
    initializer: Option<Result<(Func, Vec<u8>)>>,
    max_tasks: Option<u32>,
}

impl PoolBuilder {
    /// Runs `initializer(args)` once in each worker before its first task
    /// (Python's `initializer=`, `initargs=`).
    pub fn initializer<A: Serialize + DeserializeOwned + 'static>(
        mut self,
        initializer: fn(A),
        args: A,
    ) -> Self {
        self.initializer = Some(
            postcard::to_stdvec(&args)
                .map(|a| (Func::of(initializer), a))
                .map_err(Into::into),
        );
        self
    }

    /// Replaces each worker by a fresh one after it has run this many
    /// chunks (Python's `maxtasksperchild`).
    pub fn max_tasks_per_child(mut self, tasks: u32) -> Self {
        self.max_tasks = Some(tasks.max(1));
        self
    }

    pub fn build(self) -> Result<Pool> {
        if self.processes == 0 {
            return Err(Error::usage("a pool needs at least 1 process"));
        }
        let mut state = State {
            workers: Vec::new(),
            pending: VecDeque::new(),
            jobs: HashMap::new(),
            next_job: 0,
            closed: false,
            terminated: false,
            initializer: self.initializer.transpose()?,
            max_tasks: self.max_tasks,
        };
        for _ in 0..self.processes {
            state.start_worker()?;
        }
        Ok(Pool {
            state: Arc::new(Mutex::new(state)),
            size: self.processes,
        })
    }
}

/// A job in the pool that someone will ask for: its results are dropped
/// with it.
struct Handle {
    state: Arc<Mutex<State>>,
    job: u64,
}

/// A result that is not there yet (Python's `AsyncResult`), of `apply_async`.
pub struct AsyncResult<R> {
    handle: Handle,
    _result: PhantomData<fn() -> R>,
}

/// The results of `map_async`, not there yet.
pub struct MapResult<R> {
    handle: Handle,
    _result: PhantomData<fn() -> R>,
}

/// How long one round of waiting lasts before dead workers are looked for.
const SLICE: Duration = Duration::from_millis(100);

fn wait_for(
    state: &Mutex<State>,
    deadline: Option<Instant>,
    done: impl Fn(&State) -> bool,
) -> Result<bool> {
    let mut s = lock(state);
    loop {
        if done(&s) {
            return Ok(true);
        }
        let slice = match deadline {
            Some(d) if Instant::now() >= d => return Ok(false),
            Some(d) => d.saturating_duration_since(Instant::now()).min(SLICE),
            None => SLICE,
        };
        if s.terminated && s.workers.is_empty() && !done(&s) {
            return Err(Error::new("the pool was terminated"));
        }
        s.pump(slice)?;
    }
}

/// Decodes a chunk's outcomes, the first being input number `first`.
fn decode_chunk<R: DeserializeOwned>(first: usize, chunk: &ChunkResults) -> Vec<Result<R>> {
    let mut rest = chunk.bytes.as_slice();
    (first..first + chunk.count)
        .map(
            |index| match postcard::take_from_bytes::<std::result::Result<R, String>>(rest) {
                Ok((outcome, tail)) => {
                    rest = tail;
                    outcome.map_err(|why| Error::new(format!("task {index} failed: {why}")))
                }
                Err(e) => Err(Error::new(format!(
                    "task {index}: cannot decode its result: {e}"
                ))),
            },
        )
        .collect()
}

impl Pool {
    /// A pool of `processes` workers (Python's `Pool(processes)`).
    pub fn new(processes: usize) -> Result<Pool> {
        Pool::builder(processes).build()
    }

    pub fn builder(processes: usize) -> PoolBuilder {
        PoolBuilder {
            processes,
            initializer: None,
            max_tasks: None,
        }
    }

    /// How many workers the pool keeps.
    pub fn processes(&self) -> usize {
        self.size
    }

    /// The pids of the current workers.
    pub fn worker_pids(&self) -> Vec<i32> {
        lock(&self.state)
            .workers
            .iter()
            .filter_map(|w| w.process.pid())
            .collect()
    }

    /// Python's default chunk size for `map`: about four chunks per worker.
    fn default_chunksize(&self, inputs: usize) -> usize {
        inputs.div_ceil(self.size * 4).max(1)
    }

    /// Queues the inputs as a job, cut into chunks; returns the job's number.
    fn submit<A: Serialize>(&self, func: Func, inputs: &[A], chunksize: usize) -> Result<u64> {
        let mut chunks = Vec::new();
        let mut first = 0;
        for piece in inputs.chunks(chunksize.max(1)) {
            let mut args = Vec::new();
            for input in piece {
                args = postcard::to_extend(input, args)?;
            }
            chunks.push((first, piece.len(), args));
            first += piece.len();
        }
        let mut s = lock(&self.state);
        if s.closed || s.terminated {
            return Err(Error::new("the pool is closed: it takes no more tasks"));
        }
        let job = s.new_job(inputs.len());
        for (first, count, args) in chunks {
            s.pending.push_back(Chunk {
                id: TaskId { job, first },
                func,
                count,
                args,
            });
        }
        s.dispatch()?;
        Ok(job)
    }

    fn handle(&self, job: u64) -> Handle {
        Handle {
            state: self.state.clone(),
            job,
        }
    }

    /// `f` applied to every input, results in input order (Python's `map`).
    /// The first failed task, if any, is the error.
    pub fn map<A, R>(&self, f: fn(A) -> R, inputs: impl IntoIterator<Item = A>) -> Result<Vec<R>>
    where
        A: Serialize + DeserializeOwned,
        R: Serialize + DeserializeOwned,
    {
        let inputs: Vec<A> = inputs.into_iter().collect();
        let chunksize = self.default_chunksize(inputs.len());
        self.map_async_with(Func::of(f), &inputs, chunksize)?.get()
    }

    /// [`Pool::map`] with a chunk size of your choosing.
    pub fn map_chunked<A, R>(
        &self,
        f: fn(A) -> R,
        inputs: impl IntoIterator<Item = A>,
        chunksize: usize,
    ) -> Result<Vec<R>>
    where
        A: Serialize + DeserializeOwned,
        R: Serialize + DeserializeOwned,
    {
        self.map_async(f, inputs, chunksize)?.get()
    }

    /// Python's `map_async`: returns at once; `get` the results later.
    pub fn map_async<A, R>(
        &self,
        f: fn(A) -> R,
        inputs: impl IntoIterator<Item = A>,
        chunksize: usize,
    ) -> Result<MapResult<R>>
    where
        A: Serialize + DeserializeOwned,
        R: Serialize + DeserializeOwned,
    {
        let inputs: Vec<A> = inputs.into_iter().collect();
        self.map_async_with(Func::of(f), &inputs, chunksize)
    }

    fn map_async_with<A: Serialize, R>(
        &self,
        func: Func,
        inputs: &[A],
        chunksize: usize,
    ) -> Result<MapResult<R>> {
        let job = self.submit(func, inputs, chunksize)?;
        Ok(MapResult {
            handle: self.handle(job),
            _result: PhantomData,
        })
    }

    /// `f(a, b)` for every pair, in input order (Python's `starmap`).
    pub fn starmap<A, B, R>(
        &self,
        f: fn(A, B) -> R,
        inputs: impl IntoIterator<Item = (A, B)>,
    ) -> Result<Vec<R>>
    where
        A: Serialize + DeserializeOwned,
        B: Serialize + DeserializeOwned,
        R: Serialize + DeserializeOwned,
    {
        let inputs: Vec<(A, B)> = inputs.into_iter().collect();
        let chunksize = self.default_chunksize(inputs.len());
        self.map_async_with(Func::of2(f), &inputs, chunksize)?.get()
    }

    /// `f(arg)` in a worker, waiting for the result (Python's `apply`).
    pub fn apply<A, R>(&self, f: fn(A) -> R, arg: A) -> Result<R>
    where
        A: Serialize + DeserializeOwned,
        R: Serialize + DeserializeOwned,
    {
        self.apply_async(f, arg)?.get()
    }

    /// `f(arg)` in a worker; returns at once (Python's `apply_async`).
    pub fn apply_async<A, R>(&self, f: fn(A) -> R, arg: A) -> Result<AsyncResult<R>>
    where
        A: Serialize + DeserializeOwned,
        R: Serialize + DeserializeOwned,
    {
        let job = self.submit(Func::of(f), &[arg], 1)?;
        Ok(AsyncResult {
            handle: self.handle(job),
            _result: PhantomData,
        })
    }

    /// Results in input order, each as soon as it (and those before it)
    /// are ready; inputs are taken from `inputs` only as workers need
    /// them, so it may be long or endless (Python's `imap`).
    pub fn imap<A, R, I>(
        &self,
        f: fn(A) -> R,
        inputs: I,
        chunksize: usize,
    ) -> Result<Imap<R, I::IntoIter>>
    where
        A: Serialize + DeserializeOwned,
        R: Serialize + DeserializeOwned,
        I: IntoIterator<Item = A>,
    {
        self.imap_with(f, inputs, chunksize, true)
    }

    /// Results in the order they are ready (Python's `imap_unordered`).
    /// Each comes with its input's index.
    pub fn imap_unordered<A, R, I>(
        &self,
        f: fn(A) -> R,
        inputs: I,
        chunksize: usize,
    ) -> Result<Imap<R, I::IntoIter>>
    where
        A: Serialize + DeserializeOwned,
        R: Serialize + DeserializeOwned,
        I: IntoIterator<Item = A>,
    {
        self.imap_with(f, inputs, chunksize, false)
    }

    fn imap_with<A, R, I>(
        &self,
        f: fn(A) -> R,
        inputs: I,
        chunksize: usize,
        ordered: bool,
    ) -> Result<Imap<R, I::IntoIter>>
    where
        A: Serialize + DeserializeOwned,
        R: Serialize + DeserializeOwned,
        I: IntoIterator<Item = A>,
    {
        let job = self.submit::<A>(Func::of(f), &[], 1)?;
        Ok(Imap {
            state: self.state.clone(),
            job,
            func: Func::of(f),
            inputs: inputs.into_iter(),
            chunksize: chunksize.max(1),
            submitted: 0,
            yielded: 0,
            exhausted: false,
            ordered,
            ahead: 2 * self.size,
            ready: VecDeque::new(),
        })
    }

    /// No more tasks may be submitted; the workers stop once they are done
    /// (Python's `close`).
    pub fn close(&self) {
        lock(&self.state).closed = true;
    }

    /// Waits until every submitted task is done, then stops the workers and
    /// waits for them to exit. Call `close` (or `terminate`) first.
    pub fn join(&self) -> Result<()> {
        {
            let s = lock(&self.state);
            if !s.closed && !s.terminated {
                return Err(Error::new("join() needs close() or terminate() first"));
            }
        }
        wait_for(&self.state, None, State::idle)?;
        let mut s = lock(&self.state);
        for worker in &s.workers {
            let _ = worker.conn.send(&ToWorker::Stop);
        }
        for worker in &mut s.workers {
            worker.process.join()?;
        }
        s.workers.clear();
        Ok(())
    }

    /// Stops every worker at once (SIGTERM), whatever it is doing; tasks
    /// not finished fail (Python's `terminate`, also what dropping a pool
    /// does).
    pub fn terminate(&self) -> Result<()> {
        let mut s = lock(&self.state);
        s.terminated = true;
        s.closed = true;
        for worker in &s.workers {
            let _ = worker.process.terminate();
        }
        let mut workers = std::mem::take(&mut s.workers);
        for worker in &mut workers {
            worker.process.join()?;
            for sent in worker.busy.drain(..) {
                s.fail(sent.id, sent.count, "the pool was terminated");
            }
        }
        while let Some(chunk) = s.pending.pop_front() {
            s.fail(chunk.id, chunk.count, "the pool was terminated");
        }
        Ok(())
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        let _ = self.terminate();
    }
}

impl Handle {
    fn is_done(&self, s: &State) -> bool {
        s.jobs.get(&self.job).is_none_or(|j| j.remaining == 0)
    }

    /// Waits until every task is done, or `deadline` passes.
    fn wait_until(&self, deadline: Option<Instant>) -> Result<bool> {
        wait_for(&self.state, deadline, |s| self.is_done(s))
    }

    fn successful(&self) -> Result<bool> {
        let s = lock(&self.state);
        let job = s
            .jobs
            .get(&self.job)
            .ok_or_else(|| Error::new("unknown job"))?;
        if job.remaining > 0 {
            return Err(Error::new("the result is not ready"));
        }
        // Whatever the success type, a success decodes as `Ok` of anything.
        Ok(job.chunks.values().all(|c| {
            let mut rest = c.bytes.as_slice();
            (0..c.count).all(|_| {
                type Any = std::result::Result<serde::de::IgnoredAny, String>;
                match postcard::take_from_bytes::<Any>(rest) {
                    Ok((outcome, tail)) => {
                        rest = tail;
                        outcome.is_ok()
                    }
                    Err(_) => false,
                }
            })
        }))
    }

    /// Every result, once there, each decoded on its own.
    fn results<R: DeserializeOwned>(&self, deadline: Option<Instant>) -> Result<Vec<Result<R>>> {
        if !self.wait_until(deadline)? {
            return Err(Error::timeout("the result is not ready"));
        }
        let s = lock(&self.state);
        let job = s
            .jobs
            .get(&self.job)
            .ok_or_else(|| Error::new("unknown job"))?;
        Ok(job
            .chunks
            .iter()
            .flat_map(|(first, chunk)| decode_chunk(*first, chunk))
            .collect())
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        lock(&self.state).jobs.remove(&self.job);
    }
}

macro_rules! waiting_methods {
    () => {
        /// True once every task is done (Python's `ready()`).
        pub fn ready(&self) -> Result<bool> {
            self.handle.wait_until(Some(Instant::now()))
        }

        /// Waits until it is ready (Python's `wait()`).
        pub fn wait(&self) -> Result<()> {
            self.handle.wait_until(None).map(|_| ())
        }

        /// Waits at most `timeout`; returns whether it is ready.
        pub fn wait_timeout(&self, timeout: Duration) -> Result<bool> {
            self.handle.wait_until(Some(Instant::now() + timeout))
        }

        /// Once ready: true if no task failed (Python's `successful()`).
        pub fn successful(&self) -> Result<bool> {
            self.handle.successful()
        }
    };
}

impl<R: DeserializeOwned> AsyncResult<R> {
    waiting_methods!();

    /// Waits for the result (Python's `get()`); a failed task is the error.
    pub fn get(&self) -> Result<R> {
        self.get_until(None)
    }

    /// Waits at most `timeout` for it; a timeout error if it is not ready.
    pub fn get_timeout(&self, timeout: Duration) -> Result<R> {
        self.get_until(Some(Instant::now() + timeout))
    }

    fn get_until(&self, deadline: Option<Instant>) -> Result<R> {
        self.handle
            .results(deadline)?
            .into_iter()
            .next()
            .unwrap_or_else(|| Err(Error::new("no result")))
    }
}

impl<R: DeserializeOwned> MapResult<R> {
    waiting_methods!();

    /// Waits for every result, in input order; the first failed task, if
    /// any, is the error (Python's `get()`).
    pub fn get(&self) -> Result<Vec<R>> {
        self.handle.results(None)?.into_iter().collect()
    }

    /// Waits at most `timeout`; a timeout error if not every result is there.
    pub fn get_timeout(&self, timeout: Duration) -> Result<Vec<R>> {
        self.handle
            .results(Some(Instant::now() + timeout))?
            .into_iter()
            .collect()
    }

    /// Every result, each its own `Result`: one failed task does not hide
    /// the others.
    pub fn get_each(&self) -> Result<Vec<Result<R>>> {
        self.handle.results(None)
    }
}

/// The iterator `imap` and `imap_unordered` return. Each item is
/// `(input index, result of that input)`.
pub struct Imap<R, I> {
    state: Arc<Mutex<State>>,
    job: u64,
    func: Func,
    inputs: I,
    chunksize: usize,
    /// Inputs taken from `inputs` and submitted so far.
    submitted: usize,
    /// Results handed out so far.
    yielded: usize,
    exhausted: bool,
    ordered: bool,
    /// How many chunks to keep submitted ahead of the consumer.
    ahead: usize,
    /// Results of the chunk being handed out, with their indices.
    ready: VecDeque<(usize, Result<R>)>,
}

impl<R: DeserializeOwned, I: Iterator<Item: Serialize>> Imap<R, I> {
    /// Submits chunks until `ahead` of them wait beyond what was yielded.
    fn top_up(&mut self) -> Result<()> {
        while !self.exhausted && self.submitted < self.yielded + self.ahead * self.chunksize {
            let mut args = Vec::new();
            let mut count = 0;
            while count < self.chunksize {
                match self.inputs.next() {
                    Some(input) => {
                        args = postcard::to_extend(&input, args)?;
                        count += 1;
                    }
                    None => {
                        self.exhausted = true;
                        break;
                    }
                }
            }
            if count == 0 {
                break;
            }
            let mut s = lock(&self.state);
            if s.terminated {
                return Err(Error::new("the pool was terminated"));
            }
            let first = self.submitted;
            self.submitted += count;
            if let Some(job) = s.jobs.get_mut(&self.job) {
                job.remaining += count;
            }
            let (job, func) = (self.job, self.func);
            s.pending.push_back(Chunk {
                id: TaskId { job, first },
                func,
                count,
                args,
            });
            s.dispatch()?;
        }
        Ok(())
    }

    /// Waits for the next chunk to hand out (in order, or whichever came
    /// first) and decodes it into `ready`.
    fn next_chunk(&mut self) -> Result<()> {
        let (job, ordered, next) = (self.job, self.ordered, self.yielded);
        let arrived = |s: &State| {
            s.jobs.get(&job).is_none_or(|j| {
                if ordered {
                    j.chunks.contains_key(&next)
                } else {
                    !j.arrived.is_empty()
                }
            })
        };
        wait_for(&self.state, None, arrived)?;
        let mut s = lock(&self.state);
        let j = s
            .jobs
            .get_mut(&job)
            .ok_or_else(|| Error::new("unknown job"))?;
        let first = if ordered {
            j.arrived.clear(); // only imap_unordered reads it
            next
        } else {
            j.arrived
                .pop_front()
                .ok_or_else(|| Error::new("no chunk"))?
        };
        let chunk = j
            .chunks
            .remove(&first)
            .ok_or_else(|| Error::new("no chunk"))?;
        self.ready
            .extend((first..).zip(decode_chunk(first, &chunk)));
        Ok(())
    }
}

impl<R: DeserializeOwned, I: Iterator<Item: Serialize>> Iterator for Imap<R, I> {
    type Item = (usize, Result<R>);

    fn next(&mut self) -> Option<Self::Item> {
        if let Err(e) = self.top_up() {
            self.exhausted = true;
            self.yielded = self.submitted;
            return Some((self.yielded, Err(e)));
        }
        if self.ready.is_empty() {
            if self.yielded >= self.submitted && self.exhausted {
                return None;
            }
            if let Err(e) = self.next_chunk() {
                self.exhausted = true;
                self.yielded = self.submitted;
                return Some((self.yielded, Err(e)));
            }
        }
        let item = self.ready.pop_front()?;
        self.yielded += 1;
        Some(item)
    }
}

impl<R, I> Drop for Imap<R, I> {
    fn drop(&mut self) {
        lock(&self.state).jobs.remove(&self.job);
    }
}
