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
//!
//! Two rules keep it from getting stuck: the pool never blocks writing to a
//! worker (what the socket does not take waits in a buffer of that
//! worker's, see `wire::Link`), and nobody holds the pool's lock while
//! waiting (a waiter takes it for the work that cannot block, then polls
//! without it), so `terminate` from another thread is never kept waiting.
//! An initializer that fails stops the pool with its message, once.
//!
//! Where things live: `wire` (what travels between the pool and a worker),
//! `worker` (the worker process), `scheduler` (the pool's side: sending
//! chunks, collecting results, replacing workers, waiting), `results`
//! (`AsyncResult`, `MapResult`, `Imap`).

mod results;
mod scheduler;
mod wire;
mod worker;

pub use results::{AsyncResult, Imap, MapResult};

use crate::StartMethod;
use crate::{Error, Result};
use results::Handle;
use scheduler::{Chunk, State, lock, wait_for};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::{HashMap, VecDeque};
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};
use wire::{Func, TaskId, ToWorker};

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
    method: Option<StartMethod>,
}

impl PoolBuilder {
    /// Starts the workers with `method` whatever the program's default
    /// (what [`crate::Context::pool`] does).
    pub fn start_method(mut self, method: StartMethod) -> Self {
        self.method = Some(method);
        self
    }

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
    /// chunks (Python's `maxtasksperchild`); at least 1.
    pub fn max_tasks_per_child(mut self, tasks: u32) -> Self {
        self.max_tasks = Some(tasks);
        self
    }

    /// Starts the workers. With an initializer, waits until each has run
    /// it: if it fails, so does `build`, with the initializer's message,
    /// and no worker is left.
    pub fn build(self) -> Result<Pool> {
        if self.processes == 0 {
            return Err(Error::usage("a pool needs at least 1 process"));
        }
        if self.max_tasks == Some(0) {
            return Err(Error::usage(
                "max_tasks_per_child must be at least 1 (Python: maxtasksperchild must be a \
                 positive int or None)",
            ));
        }
        let waits = self.initializer.is_some();
        let state = State {
            workers: Vec::new(),
            size: self.processes,
            broken: None,
            pending: VecDeque::new(),
            jobs: HashMap::new(),
            next_job: 0,
            closed: false,
            terminated: false,
            initializer: self.initializer.transpose()?,
            max_tasks: self.max_tasks,
            callbacks: HashMap::new(),
            due: Vec::new(),
            method: self.method.unwrap_or_else(crate::get_start_method),
        };
        let pool = Pool {
            state: Arc::new(Mutex::new(state)),
            size: self.processes,
        };
        // On an error the pool is dropped, which terminates what started.
        {
            let mut s = lock(&pool.state);
            for _ in 0..pool.size {
                s.start_worker()?;
            }
        }
        if waits {
            let ready = |s: &State| s.broken.is_some() || s.workers.iter().all(|w| w.ready);
            wait_for(&pool.state, None, ready)?;
            if let Some(why) = lock(&pool.state).broken.clone() {
                return Err(Error::new(why));
            }
        }
        Ok(pool)
    }
}

impl Pool {
    /// A pool of `processes` workers (Python's `Pool(processes)`).
    pub fn new(processes: usize) -> Result<Pool> {
        Pool::builder(processes).build()
    }

    /// A pool to set up before it starts: an initializer, a limit on tasks
    /// per worker, a start method (Python's keyword arguments to `Pool`).
    pub fn builder(processes: usize) -> PoolBuilder {
        PoolBuilder {
            processes,
            initializer: None,
            max_tasks: None,
            method: None,
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
        if let Some(why) = &s.broken {
            return Err(Error::new(why.clone()));
        }
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

    /// [`Pool::starmap`] with a chunk size of your choosing.
    pub fn starmap_chunked<A, B, R>(
        &self,
        f: fn(A, B) -> R,
        inputs: impl IntoIterator<Item = (A, B)>,
        chunksize: usize,
    ) -> Result<Vec<R>>
    where
        A: Serialize + DeserializeOwned,
        B: Serialize + DeserializeOwned,
        R: Serialize + DeserializeOwned,
    {
        self.starmap_async(f, inputs, chunksize)?.get()
    }

    /// Python's `starmap_async`: `f(a, b)` for every pair; returns at once.
    pub fn starmap_async<A, B, R>(
        &self,
        f: fn(A, B) -> R,
        inputs: impl IntoIterator<Item = (A, B)>,
        chunksize: usize,
    ) -> Result<MapResult<R>>
    where
        A: Serialize + DeserializeOwned,
        B: Serialize + DeserializeOwned,
        R: Serialize + DeserializeOwned,
    {
        let inputs: Vec<(A, B)> = inputs.into_iter().collect();
        self.map_async_with(Func::of2(f), &inputs, chunksize)
    }

    // ANCHOR: callbacks
    /// Python's `map_async(f, inputs, chunksize, callback, error_callback)`:
    /// once every task is done, `callback` gets the results in input order,
    /// or, if a task failed, `error_callback` gets the first error. The
    /// pool has no thread of its own: a callback runs in the thread that
    /// next waits on the pool (`get`, `wait`, `join`, any call that waits),
    /// before that wait returns, as Python runs it before `get` returns.
    /// Keep it short; it runs even if the result handle was dropped.
    pub fn map_async_then<A, R>(
        &self,
        f: fn(A) -> R,
        inputs: impl IntoIterator<Item = A>,
        chunksize: usize,
        callback: impl FnOnce(Vec<R>) + Send + 'static,
        error_callback: impl FnOnce(Error) + Send + 'static,
    ) -> Result<MapResult<R>>
    where
        A: Serialize + DeserializeOwned,
        R: Serialize + DeserializeOwned + 'static,
    {
        let inputs: Vec<A> = inputs.into_iter().collect();
        let job = self.submit_then(Func::of(f), &inputs, chunksize, move |finished| {
            match results::decode_all::<R>(&finished).into_iter().collect() {
                Ok(values) => callback(values),
                Err(e) => error_callback(e),
            }
        })?;
        Ok(MapResult {
            handle: self.handle(job),
            _result: PhantomData,
        })
    }

    /// Python's `apply_async(f, (arg,), callback=..., error_callback=...)`:
    /// `callback` gets the result, or `error_callback` the error, when the
    /// next wait on the pool sees the task done (see [`Pool::map_async_then`]).
    pub fn apply_async_then<A, R>(
        &self,
        f: fn(A) -> R,
        arg: A,
        callback: impl FnOnce(R) + Send + 'static,
        error_callback: impl FnOnce(Error) + Send + 'static,
    ) -> Result<AsyncResult<R>>
    where
        A: Serialize + DeserializeOwned,
        R: Serialize + DeserializeOwned + 'static,
    {
        let job =
            self.submit_then(
                Func::of(f),
                &[arg],
                1,
                move |finished| match results::decode_all::<R>(&finished).into_iter().next() {
                    Some(Ok(value)) => callback(value),
                    Some(Err(e)) => error_callback(e),
                    None => error_callback(Error::new("no result")),
                },
            )?;
        Ok(AsyncResult {
            handle: self.handle(job),
            _result: PhantomData,
        })
    }
    // ANCHOR_END: callbacks

    /// [`Pool::submit`], with a callback for when the job is done.
    fn submit_then<A: Serialize>(
        &self,
        func: Func,
        inputs: &[A],
        chunksize: usize,
        callback: impl FnOnce(scheduler::Finished) + Send + 'static,
    ) -> Result<u64> {
        let job = self.submit(func, inputs, chunksize)?;
        let mut s = lock(&self.state);
        s.callbacks.insert(job, Box::new(callback));
        // A job already done (nothing to do, or its results in) still calls back.
        s.call_back_if_done(job);
        Ok(job)
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
        // Taken out of the state, so that waiting for them to exit holds
        // no lock (a closed pool starts no new workers).
        let mut workers = std::mem::take(&mut lock(&self.state).workers);
        for worker in &mut workers {
            // Idle workers read: this goes at once.
            if worker.link.send(&ToWorker::<Vec<u8>>::Stop).is_ok() {
                let _ = worker.link.flush_all();
            }
        }
        for worker in &mut workers {
            worker.process.join()?;
        }
        Ok(())
    }

    /// Stops every worker at once (SIGTERM), whatever it is doing; tasks
    /// not finished fail (Python's `terminate`, also what dropping a pool
    /// does).
    pub fn terminate(&self) -> Result<()> {
        // Under the lock only what is quick: anyone waiting (in another
        // thread, say) then sees its tasks failed, and the workers' ends
        // closing wakes them at once. Killing and reaping come after.
        let workers = {
            let mut s = lock(&self.state);
            s.terminated = true;
            s.closed = true;
            let mut workers = std::mem::take(&mut s.workers);
            for worker in &mut workers {
                for sent in worker.busy.drain(..) {
                    s.fail(sent.chunk.id, sent.chunk.count, "the pool was terminated");
                }
            }
            while let Some(chunk) = s.pending.pop_front() {
                s.fail(chunk.id, chunk.count, "the pool was terminated");
            }
            (workers, std::mem::take(&mut s.due))
        };
        let (mut workers, due) = workers;
        scheduler::run_callbacks(due);
        for worker in &workers {
            let _ = worker.process.terminate();
        }
        for worker in &mut workers {
            worker.process.join()?;
        }
        Ok(())
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        let _ = self.terminate();
    }
}
