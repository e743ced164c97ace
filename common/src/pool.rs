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

type TaskEntry = fn(target: usize, arg: &[u8]) -> Result<Vec<u8>>;

#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
struct Func {
    entry: isize,
    target: isize,
}

impl Func {
    fn of<A: DeserializeOwned, R: Serialize>(f: fn(A) -> R) -> Func {
        fn entry<A: DeserializeOwned, R: Serialize>(target: usize, arg: &[u8]) -> Result<Vec<u8>> {
            let arg: A = postcard::from_bytes(arg)?;
            // SAFETY: `target` was made from a `fn(A) -> R` of this same executable.
            let f = unsafe { std::mem::transmute::<usize, fn(A) -> R>(target) };
            Ok(postcard::to_stdvec(&f(arg))?)
        }
        Func {
            entry: offset_of(entry::<A, R> as TaskEntry as usize),
            target: offset_of(f as usize),
        }
    }

    fn of2<A: DeserializeOwned, B: DeserializeOwned, R: Serialize>(f: fn(A, B) -> R) -> Func {
        fn entry<A: DeserializeOwned, B: DeserializeOwned, R: Serialize>(
            target: usize,
            arg: &[u8],
        ) -> Result<Vec<u8>> {
            let (a, b): (A, B) = postcard::from_bytes(arg)?;
            // SAFETY: `target` was made from a `fn(A, B) -> R` of this same executable.
            let f = unsafe { std::mem::transmute::<usize, fn(A, B) -> R>(target) };
            Ok(postcard::to_stdvec(&f(a, b))?)
        }
        Func {
            entry: offset_of(entry::<A, B, R> as TaskEntry as usize),
            target: offset_of(f as usize),
        }
    }

    fn call(&self, arg: &[u8]) -> Result<Vec<u8>> {
        // SAFETY: `entry` was made from a `TaskEntry` of this same executable.
        let entry = unsafe { std::mem::transmute::<usize, TaskEntry>(address_of(self.entry)) };
        entry(address_of(self.target), arg)
    }
}

#[derive(Serialize, Deserialize)]
enum ToWorker {
    Task {
        id: TaskId,
        func: Func,
        args: Vec<Vec<u8>>,
    },
    Stop,
}

#[derive(Serialize, Deserialize)]
struct Done {
    id: TaskId,
    /// Each input's result, serialized, or why it failed.
    results: Vec<std::result::Result<Vec<u8>, String>>,
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
/// A worker's life: run the initializer, then tasks until told to stop (or
/// until `max_tasks` chunks are done), each input under `catch_unwind` so a
/// panic fails that input only.
fn worker_main(setup: WorkerSetup) -> Result<()> {
    // A panicking task is reported to the caller, with its message and
    // place; the worker keeps quiet about it.
    std::panic::set_hook(Box::new(|info| {
        let text = info.to_string().replace('\n', " ");
        LAST_PANIC.with(|p| *p.borrow_mut() = Some(text));
    }));
    if let Some((func, arg)) = &setup.initializer {
        func.call(arg)?;
    }
    let mut done = 0;
    while let Ok(ToWorker::Task { id, func, args }) = setup.conn.recv::<ToWorker>() {
        let results = args
            .iter()
            .map(|arg| match std::panic::catch_unwind(|| func.call(arg)) {
                Ok(Ok(bytes)) => Ok(bytes),
                Ok(Err(e)) => Err(e.to_string()),
                Err(_) => Err(LAST_PANIC
                    .with(|p| p.borrow_mut().take())
                    .unwrap_or_else(|| "panicked".into())),
            })
            .collect();
        setup.conn.send(&Done { id, results })?;
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
    /// The chunk this worker is running, and how many inputs it has.
    busy: Option<(TaskId, usize)>,
    /// Chunks sent to it so far (for `max_tasks`).
    sent: u32,
}

type Outcome = std::result::Result<Vec<u8>, String>;

#[derive(Default)]
struct Job {
    /// One slot per input, filled as results come back.
    results: Vec<Option<Outcome>>,
    /// Inputs whose results are not back yet.
    remaining: usize,
    /// Indices in the order their results came back (for `imap_unordered`).
    arrived: VecDeque<usize>,
}

struct State {
    workers: Vec<Worker>,
    /// Chunks waiting for an idle worker.
    pending: VecDeque<(TaskId, Func, Vec<Vec<u8>>)>,
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
        };
        let name = process.get_name().replacen("Process", kind, 1);
        let mut process = process.name(name);
        process.start()?;
        self.workers.push(Worker {
            process,
            conn: mine,
            busy: None,
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
                results: (0..inputs).map(|_| None).collect(),
                remaining: inputs,
                arrived: VecDeque::new(),
            },
        );
        id
    }

    fn record(&mut self, id: TaskId, results: Vec<Outcome>) {
        if let Some(job) = self.jobs.get_mut(&id.job) {
            for (i, result) in results.into_iter().enumerate() {
                let index = id.first + i;
                if job.results.len() <= index {
                    job.results.resize_with(index + 1, || None);
                }
                job.results[index] = Some(result);
                job.remaining = job.remaining.saturating_sub(1);
                job.arrived.push_back(index);
            }
        }
    }

    fn fail(&mut self, id: TaskId, inputs: usize, why: &str) {
        self.record(id, (0..inputs).map(|_| Err(why.to_string())).collect());
    }

    /// Sends waiting chunks to idle workers.
    fn dispatch(&mut self) -> Result<()> {
        for w in 0..self.workers.len() {
            let worker = &self.workers[w];
            let retiring = self.max_tasks.is_some_and(|max| worker.sent >= max);
            if worker.busy.is_some() || retiring {
                continue;
            }
            let Some((id, func, args)) = self.pending.pop_front() else {
                break;
            };
            let inputs = args.len();
            let worker = &mut self.workers[w];
            match worker.conn.send(&ToWorker::Task { id, func, args }) {
                Ok(()) => {
                    worker.busy = Some((id, inputs));
                    worker.sent += 1;
                }
                Err(_) => {
                    // Gone already: it will be found dead below; its chunk
                    // is marked busy so that it is reported, not lost.
                    worker.busy = Some((id, inputs));
                }
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
                    self.workers[w].busy = None;
                    self.record(done.id, done.results);
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
        if let Some((id, inputs)) = worker.busy {
            let why = format!(
                "worker {} (pid {}) died while running this task (exit code {})",
                worker.process.get_name(),
                worker.process.pid().unwrap_or(0),
                worker.process.exitcode().unwrap_or(0)
            );
            self.fail(id, inputs, &why);
        }
        if !self.terminated {
            self.start_worker()?;
        }
        Ok(())
    }
    // ANCHOR_END: bury

    fn idle(&self) -> bool {
        self.pending.is_empty() && self.workers.iter().all(|w| w.busy.is_none())
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

fn decode<R: DeserializeOwned>(index: usize, outcome: &Outcome) -> Result<R> {
    match outcome {
        Ok(bytes) => Ok(postcard::from_bytes(bytes)?),
        Err(why) => Err(Error::new(format!("task {index} failed: {why}"))),
    }
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

    /// Queues `args` as a job, cut into chunks; returns the job's number.
    fn submit(&self, func: Func, args: Vec<Vec<u8>>, chunksize: usize) -> Result<u64> {
        let mut s = lock(&self.state);
        if s.closed || s.terminated {
            return Err(Error::new("the pool is closed: it takes no more tasks"));
        }
        let job = s.new_job(args.len());
        let chunksize = chunksize.max(1);
        let mut args = args.into_iter().peekable();
        let mut first = 0;
        while args.peek().is_some() {
            let chunk: Vec<Vec<u8>> = args.by_ref().take(chunksize).collect();
            let n = chunk.len();
            s.pending.push_back((TaskId { job, first }, func, chunk));
            first += n;
        }
        s.dispatch()?;
        Ok(job)
    }

    fn encode_all<A: Serialize>(items: impl IntoIterator<Item = A>) -> Result<Vec<Vec<u8>>> {
        items
            .into_iter()
            .map(|a| Ok(postcard::to_stdvec(&a)?))
            .collect()
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
        let args = Self::encode_all(inputs)?;
        let chunksize = self.default_chunksize(args.len());
        self.map_async_encoded(Func::of(f), args, chunksize)?.get()
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
        self.map_async_encoded(Func::of(f), Self::encode_all(inputs)?, chunksize)
    }

    fn map_async_encoded<R>(
        &self,
        func: Func,
        args: Vec<Vec<u8>>,
        chunksize: usize,
    ) -> Result<MapResult<R>> {
        let job = self.submit(func, args, chunksize)?;
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
        let args = Self::encode_all(inputs)?;
        let chunksize = self.default_chunksize(args.len());
        self.map_async_encoded(Func::of2(f), args, chunksize)?.get()
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
        let job = self.submit(Func::of(f), vec![postcard::to_stdvec(&arg)?], 1)?;
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
        let job = self.submit(Func::of(f), Vec::new(), 1)?;
        Ok(Imap {
            state: self.state.clone(),
            job,
            func: Func::of(f),
            inputs: inputs.into_iter(),
            chunksize: chunksize.max(1),
            submitted: 0,
            yielded: 0,
            next: 0,
            exhausted: false,
            ordered,
            ahead: 2 * self.size,
            _result: PhantomData,
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
            if let Some((id, inputs)) = worker.busy {
                s.fail(id, inputs, "the pool was terminated");
            }
        }
        while let Some((id, _, args)) = s.pending.pop_front() {
            s.fail(id, args.len(), "the pool was terminated");
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
        Ok(job.results.iter().all(|r| matches!(r, Some(Ok(_)))))
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
            .results
            .iter()
            .enumerate()
            .map(|(i, r)| decode(i, r.as_ref().expect("every task is done")))
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
    submitted: usize,
    yielded: usize,
    /// Ordered: the next index to yield.
    next: usize,
    exhausted: bool,
    ordered: bool,
    /// How many chunks to keep submitted ahead of the consumer.
    ahead: usize,
    _result: PhantomData<fn() -> R>,
}

impl<R, I: Iterator<Item: Serialize>> Imap<R, I> {
    /// Submits chunks until `ahead` of them wait beyond what was yielded.
    fn top_up(&mut self) -> Result<()> {
        while !self.exhausted && self.submitted < self.yielded + self.ahead * self.chunksize {
            let mut chunk = Vec::with_capacity(self.chunksize);
            for _ in 0..self.chunksize {
                match self.inputs.next() {
                    Some(arg) => chunk.push(postcard::to_stdvec(&arg)?),
                    None => {
                        self.exhausted = true;
                        break;
                    }
                }
            }
            if chunk.is_empty() {
                break;
            }
            let mut s = lock(&self.state);
            if s.terminated {
                return Err(Error::new("the pool was terminated"));
            }
            let first = self.submitted;
            self.submitted += chunk.len();
            if let Some(job) = s.jobs.get_mut(&self.job) {
                job.remaining += chunk.len();
            }
            s.pending.push_back((
                TaskId {
                    job: self.job,
                    first,
                },
                self.func,
                chunk,
            ));
            s.dispatch()?;
        }
        Ok(())
    }
}

impl<R: DeserializeOwned, I: Iterator<Item: Serialize>> Iterator for Imap<R, I> {
    type Item = (usize, Result<R>);

    fn next(&mut self) -> Option<Self::Item> {
        if let Err(e) = self.top_up() {
            return Some((self.yielded, Err(e)));
        }
        if self.yielded >= self.submitted && self.exhausted {
            return None;
        }
        let job = self.job;
        let (ordered, next) = (self.ordered, self.next);
        let ready = |s: &State| {
            s.jobs.get(&job).is_none_or(|j| {
                if ordered {
                    j.results.get(next).is_some_and(Option::is_some)
                } else {
                    !j.arrived.is_empty()
                }
            })
        };
        if let Err(e) = wait_for(&self.state, None, ready) {
            self.exhausted = true;
            self.yielded = self.submitted;
            return Some((self.next, Err(e)));
        }
        let mut s = lock(&self.state);
        let j = s.jobs.get_mut(&job)?;
        let index = if ordered {
            self.next += 1;
            next
        } else {
            j.arrived.pop_front()?
        };
        if ordered {
            j.arrived.clear(); // only imap_unordered reads it
        }
        let outcome = j.results.get_mut(index).and_then(Option::take)?;
        drop(s);
        self.yielded += 1;
        Some((index, decode(index, &outcome)))
    }
}

impl<R, I> Drop for Imap<R, I> {
    fn drop(&mut self) {
        lock(&self.state).jobs.remove(&self.job);
    }
}
