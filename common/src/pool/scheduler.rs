//! The pool's side of the workers: which chunk each worker holds, sending
//! chunks out, collecting results, replacing workers that die, and waiting.

use super::wire::{FromWorker, Func, Link, TaskId, ToWorker, push_outcome};
use super::worker::{WorkerSetup, worker_main};
use crate::pipe::{Connection, pipe};
use crate::{Error, Process, Result, StartMethod};
use nix::poll::{PollFd, PollFlags, poll};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::os::fd::AsFd;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

pub(super) struct Worker {
    pub(super) process: Process,
    pub(super) link: Link,
    /// The chunks sent to this worker and not yet answered, oldest first
    /// (the one it is running, and those waiting in its pipe, so that it
    /// never waits for us between chunks).
    pub(super) busy: VecDeque<Sent>,
    /// How many chunks it may hold at once (see [`depth_after`]).
    depth: usize,
    /// Chunks sent to it so far (for `max_tasks`).
    sent: u32,
    /// It has said its initializer worked.
    pub(super) ready: bool,
}

impl Worker {
    /// It has been sent its last chunk (`max_tasks` of them): it exits once
    /// that is done.
    fn retiring(&self, max_tasks: Option<u32>) -> bool {
        max_tasks.is_some_and(|max| self.sent >= max)
    }
}

/// A chunk's results, as they came back: `count` encoded outcomes.
#[derive(Clone)]
pub(super) struct ChunkResults {
    pub(super) count: usize,
    pub(super) bytes: Vec<u8>,
}

#[derive(Default)]
pub(super) struct Job {
    /// Results, by the index of their chunk's first input.
    pub(super) chunks: BTreeMap<usize, ChunkResults>,
    /// Inputs whose results are not back yet.
    pub(super) remaining: usize,
    /// Chunks (first index) in the order they came back, for `imap_unordered`.
    pub(super) arrived: VecDeque<usize>,
    /// Its handle was dropped while a callback still waited for it: the
    /// job goes once the callback is due.
    detached: bool,
}

/// What a job's callback is given: its chunks' results, by first index.
pub(super) type Finished = BTreeMap<usize, ChunkResults>;

/// A callback (Python's `callback` and `error_callback` of the `*_async`
/// calls), run once its job is done, by whichever thread waits on the pool
/// next, outside the pool's lock.
pub(super) type Callback = Box<dyn FnOnce(Finished) + Send>;

// ANCHOR: depth
/// The chunks a worker holds at least (when it has them to hold): one
/// running, and the next waiting in its pipe.
const LEAST_HELD: usize = 2;

/// The most chunks a worker holds at once: one running, the rest waiting
/// in its pipe.
const MOST_HELD: usize = 8;

/// How much work may wait behind a running chunk, going by how long the
/// last one took.
const QUEUED_WORK: Duration = Duration::from_micros(100);

/// How many chunks a worker may hold, after its last chunk ran for `ran`.
/// [`LEAST_HELD`] at least: the next one is waiting when it ends one, so it never
/// waits for the pool between chunks. More while chunks are so short that
/// the pool's own turn-around (a wake-up and a few system calls: tens of
/// microseconds) would leave it idle, but never more than about
/// [`QUEUED_WORK`] of work waiting behind the running one: a worker holding
/// chunks that another, idle worker could run is what a deep queue costs.
pub(super) fn depth_after(ran: Duration) -> usize {
    let behind = QUEUED_WORK.as_nanos() / ran.as_nanos().max(1);
    usize::try_from(behind.saturating_add(1))
        .unwrap_or(MOST_HELD)
        .clamp(LEAST_HELD, MOST_HELD)
}
// ANCHOR_END: depth

/// A chunk sent to a worker, kept until answered: one queued behind
/// another goes to another worker if this one dies before starting it.
pub(super) struct Sent {
    pub(super) chunk: Chunk,
}

/// A chunk waiting for a worker.
#[derive(Clone)]
pub(super) struct Chunk {
    pub(super) id: TaskId,
    pub(super) func: Func,
    pub(super) count: usize,
    pub(super) args: Vec<u8>,
}

pub(super) struct State {
    pub(super) workers: Vec<Worker>,
    /// How many workers the pool keeps.
    pub(super) size: usize,
    /// Why the pool cannot go on: its initializer failed. It then starts
    /// no more workers (rather than starting failing ones for ever).
    pub(super) broken: Option<String>,
    /// Chunks waiting for an idle worker.
    pub(super) pending: VecDeque<Chunk>,
    pub(super) jobs: HashMap<u64, Job>,
    pub(super) next_job: u64,
    pub(super) closed: bool,
    pub(super) terminated: bool,
    pub(super) initializer: Option<(Func, Vec<u8>)>,
    pub(super) max_tasks: Option<u32>,
    /// How the workers are started.
    pub(super) method: StartMethod,
    /// Callbacks of jobs not yet done.
    pub(super) callbacks: HashMap<u64, Callback>,
    /// Callbacks of jobs just done, to run outside the lock.
    pub(super) due: Vec<(Callback, Finished)>,
}

pub(super) fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

impl State {
    pub(super) fn start_worker(&mut self) -> Result<()> {
        let (mine, theirs) = pipe(true)?;
        let setup = WorkerSetup {
            conn: theirs,
            initializer: self.initializer.clone(),
            max_tasks: self.max_tasks,
        };
        // Python's names: ForkPoolWorker-1, SpawnPoolWorker-2, ...
        let process = Process::with_args(worker_main, setup)
            .daemon(true)
            .start_method(self.method);
        let kind = match self.method {
            StartMethod::Fork => "ForkPoolWorker",
            StartMethod::Spawn => "SpawnPoolWorker",
            StartMethod::Forkserver => "ForkServerPoolWorker",
        };
        let name = process.get_name().replacen("Process", kind, 1);
        let mut process = process.name(name);
        process.start()?;
        self.workers.push(Worker {
            process,
            link: Link::new(mine)?,
            busy: VecDeque::new(),
            // Nothing known yet of how long its chunks take.
            depth: LEAST_HELD,
            sent: 0,
            ready: false,
        });
        Ok(())
    }

    pub(super) fn new_job(&mut self, inputs: usize) -> u64 {
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

    /// Nobody will ask for this job's results: drop them, and its chunks
    /// no worker has yet (those being run finish, unread).
    pub(super) fn forget(&mut self, job: u64) {
        // A callback still wants the results (Python's `apply_async(f,
        // callback=cb)` with the result never kept): they go once it is due.
        if self.callbacks.contains_key(&job)
            && let Some(j) = self.jobs.get_mut(&job)
        {
            j.detached = true;
            return;
        }
        self.jobs.remove(&job);
        self.pending.retain(|chunk| chunk.id.job != job);
    }

    fn record(&mut self, id: TaskId, count: usize, bytes: Vec<u8>) {
        if let Some(job) = self.jobs.get_mut(&id.job) {
            job.chunks.insert(id.first, ChunkResults { count, bytes });
            job.remaining = job.remaining.saturating_sub(count);
            job.arrived.push_back(id.first);
            self.call_back_if_done(id.job);
        }
    }

    /// Once a job with a callback is done, queues the callback with its
    /// results (and lets the job go if its handle was dropped).
    pub(super) fn call_back_if_done(&mut self, id: u64) {
        let Some(job) = self.jobs.get(&id).filter(|j| j.remaining == 0) else {
            return;
        };
        if let Some(callback) = self.callbacks.remove(&id) {
            let finished = job.chunks.clone();
            if job.detached {
                self.jobs.remove(&id);
            }
            self.due.push((callback, finished));
        }
    }

    pub(super) fn fail(&mut self, id: TaskId, count: usize, why: &str) {
        // `Err(why)` is encoded the same whatever the success type is.
        let failed: std::result::Result<(), String> = Err(why.to_string());
        let mut bytes = Vec::new();
        for _ in 0..count {
            push_outcome(&mut bytes, &failed);
        }
        self.record(id, count, bytes);
    }

    /// Sends waiting chunks to workers: first one to each idle worker, then
    /// a second to each, queued behind the one it runs, and so on up to
    /// each worker's depth.
    pub(super) fn dispatch(&mut self) -> Result<()> {
        for in_flight in 0..MOST_HELD {
            for w in 0..self.workers.len() {
                let worker = &self.workers[w];
                if worker.busy.len() != in_flight
                    || in_flight >= worker.depth
                    || worker.retiring(self.max_tasks)
                    || worker.link.is_broken()
                {
                    continue;
                }
                let Some(chunk) = self.pending.pop_front() else {
                    return Ok(());
                };
                let worker = &mut self.workers[w];
                let task = ToWorker::Task {
                    id: chunk.id,
                    func: chunk.func,
                    count: chunk.count,
                    args: chunk.args.as_slice(),
                };
                // The send only queues what the socket does not take now:
                // the rest goes as the worker reads.
                match worker.link.send(&task) {
                    Ok(()) => {
                        worker.sent += 1;
                        worker.busy.push_back(Sent { chunk });
                    }
                    // The worker is gone (it closed its end): the chunk never
                    // reached it, and goes to another. Burying the worker
                    // waits for its end of file.
                    Err(e) if e.is_eof() => self.pending.push_front(chunk),
                    Err(e) => {
                        if worker.link.is_broken() {
                            // Unreachable, not gone: make it gone.
                            let _ = worker.process.kill();
                            self.pending.push_front(chunk);
                        } else {
                            let why = format!("cannot send it to a worker: {e}");
                            self.fail(chunk.id, chunk.count, &why);
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Does what can be done without waiting: sends what the sockets take,
    /// stores the results that came, replaces dead workers, and gives
    /// waiting chunks to workers with room for them. With `readable` (what
    /// a poll found), reads only those connections: a read that finds
    /// nothing is a system call for nothing.
    pub(super) fn service(&mut self, readable: Option<&[Arc<Connection>]>) -> Result<()> {
        let mut dead = Vec::new();
        for w in 0..self.workers.len() {
            let worker = &mut self.workers[w];
            // A failed send means the worker is gone: reading says so too.
            let _ = worker.link.flush();
            if readable.is_some_and(|r| !r.iter().any(|c| Arc::ptr_eq(c, worker.link.conn()))) {
                continue;
            }
            let ending = worker.retiring(self.max_tasks);
            match worker.link.receive::<FromWorker>(ending) {
                Ok(received) => {
                    for message in received.messages {
                        match message {
                            FromWorker::Ready => self.workers[w].ready = true,
                            FromWorker::InitFailed(why) => {
                                self.broken
                                    .get_or_insert(format!("the pool's initializer failed: {why}"));
                            }
                            FromWorker::Done(done) => {
                                let worker = &mut self.workers[w];
                                worker.busy.pop_front();
                                worker.depth = depth_after(Duration::from_nanos(done.ran_ns));
                                self.record(done.id, done.count, done.results);
                            }
                        }
                    }
                    if received.closed {
                        dead.push(w);
                    }
                }
                // Garbled or cut short: this worker cannot be trusted on.
                Err(_) => {
                    let _ = worker.process.kill();
                    dead.push(w);
                }
            }
        }
        for w in dead.into_iter().rev() {
            self.bury(w)?;
        }
        if let Some(why) = self.broken.clone() {
            self.break_down(&why);
            return Ok(());
        }
        self.replenish()?;
        self.dispatch()
    }

    /// Starts workers until the pool has its number again, while it has a
    /// use for them. Under `fork` this fails while the process has other
    /// threads; the next waiter in a single thread tries again.
    fn replenish(&mut self) -> Result<()> {
        let wanted = !self.closed || !self.pending.is_empty();
        while wanted && !self.terminated && self.workers.len() < self.size {
            self.start_worker()?;
        }
        Ok(())
    }

    /// The initializer failed: every task not done fails with its message,
    /// and the workers stop.
    fn break_down(&mut self, why: &str) {
        let mut workers = std::mem::take(&mut self.workers);
        for worker in &mut workers {
            let _ = worker.process.terminate();
            for sent in worker.busy.drain(..) {
                self.fail(sent.chunk.id, sent.chunk.count, why);
            }
        }
        while let Some(chunk) = self.pending.pop_front() {
            self.fail(chunk.id, chunk.count, why);
        }
        for worker in &mut workers {
            let _ = worker.process.join();
        }
    }

    /// What a waiter polls: each worker's connection, and whether there is
    /// something left to send it.
    pub(super) fn watch(&self) -> Watch {
        Watch(
            self.workers
                .iter()
                .map(|w| (w.link.conn().clone(), w.link.has_unsent()))
                .collect(),
        )
    }

    // ANCHOR: bury
    /// A worker's connection closed: it has exited (its tasks done, or
    /// killed). Report what it was running; `replenish` then starts another
    /// in its place.
    fn bury(&mut self, w: usize) -> Result<()> {
        let mut worker = self.workers.remove(w);
        worker.process.join()?;
        if !worker.ready && self.initializer.is_some() && self.broken.is_none() {
            // Gone before its initializer said how it went (it exited or
            // crashed in it): a replacement would most likely do the same.
            self.broken = Some(format!(
                "the pool's initializer failed: worker {} exited with code {} before it was ready",
                worker.process.get_name(),
                worker.process.exitcode().unwrap_or(0)
            ));
        }
        // The oldest chunk is the one it was running; any behind it never
        // started, and go back to the front of the line. One that never
        // said it was ready ran nothing.
        let running = if worker.ready {
            worker.busy.pop_front()
        } else {
            None
        };
        if let Some(Sent { chunk }) = running {
            let why = format!(
                "worker {} (pid {}) died while running this task (exit code {})",
                worker.process.get_name(),
                worker.process.pid().unwrap_or(0),
                worker.process.exitcode().unwrap_or(0)
            );
            self.fail(chunk.id, chunk.count, &why);
        }
        for sent in worker.busy.drain(..).rev() {
            self.pending.push_front(sent.chunk);
        }
        Ok(())
    }
    // ANCHOR_END: bury

    pub(super) fn idle(&self) -> bool {
        self.pending.is_empty() && self.workers.iter().all(|w| w.busy.is_empty())
    }
}

/// Connections to poll, taken from the state: they stay open while polled,
/// even if their worker is removed meanwhile.
pub(super) struct Watch(Vec<(Arc<Connection>, bool)>);

impl Watch {
    /// Waits at most `wait` until a connection has something to read (or
    /// has closed), or room for what waits to be sent to it; returns those
    /// with something to read.
    pub(super) fn wait(self, wait: Duration) -> Result<Vec<Arc<Connection>>> {
        let millis = crate::pipe::poll_timeout(Some(wait.min(Duration::from_secs(1))));
        // Each worker's reading end first, then the writing ends with
        // something waiting to go (their readiness only ends the wait: every
        // waiter sends what it can).
        let mut fds: Vec<PollFd> = self
            .0
            .iter()
            .map(|(conn, _)| PollFd::new(conn.as_fd(), PollFlags::POLLIN))
            .collect();
        fds.extend(
            self.0
                .iter()
                .filter(|(_, unsent)| *unsent)
                .map(|(conn, _)| PollFd::new(conn.writer(), PollFlags::POLLOUT)),
        );
        match poll(&mut fds, millis) {
            Ok(_) | Err(nix::errno::Errno::EINTR) => {}
            Err(e) => return Err(e.into()),
        }
        let wanted = PollFlags::POLLIN | PollFlags::POLLHUP | PollFlags::POLLERR;
        let readable: Vec<bool> = fds[..self.0.len()]
            .iter()
            .map(|f| f.revents().is_some_and(|r| r.intersects(wanted)))
            .collect();
        drop(fds);
        Ok(self
            .0
            .into_iter()
            .zip(readable)
            .filter_map(|((conn, _), readable)| readable.then_some(conn))
            .collect())
    }
}

/// How long one round of waiting lasts before dead workers are looked for.
const SLICE: Duration = Duration::from_millis(100);

/// Waits until `done` holds (true), or `deadline` passes (false), doing
/// the pool's work meanwhile: whoever waits keeps the workers busy and
/// collects their results. The state is locked only for that work, which
/// never blocks, and not while polling: another thread may `terminate`,
/// submit or wait at the same time.
pub(super) fn wait_for(
    state: &Mutex<State>,
    deadline: Option<Instant>,
    done: impl Fn(&State) -> bool,
) -> Result<bool> {
    // After a poll, only what it found readable is read (held here, so
    // that no connection it names is closed and its address reused).
    let mut readable: Option<Vec<Arc<Connection>>> = None;
    loop {
        let mut s = lock(state);
        let serviced = s.service(readable.as_deref());
        // Callbacks run before anyone is told their job is done (as in
        // Python, where `get` returns after the callback), outside the lock.
        let due = std::mem::take(&mut s.due);
        let outcome = (|| {
            if done(&s) {
                return Some(Ok(true));
            }
            if let Err(e) = serviced {
                return Some(Err(e));
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Some(Ok(false));
            }
            if let Some(why) = &s.broken {
                return Some(Err(Error::new(why.clone())));
            }
            if s.terminated && s.workers.is_empty() {
                return Some(Err(Error::new("the pool was terminated")));
            }
            None
        })();
        let slice = deadline.map_or(SLICE, |d| {
            d.saturating_duration_since(Instant::now()).min(SLICE)
        });
        let watch = outcome.is_none().then(|| s.watch());
        drop(s);
        run_callbacks(due);
        if let Some(outcome) = outcome {
            return outcome;
        }
        readable = Some(watch.expect("made above").wait(slice)?);
    }
}

/// Runs callbacks that came due, each under `catch_unwind`: a callback that
/// panics is reported and does not take the pool's user down with it
/// (Python's result thread prints the exception and goes on).
pub(super) fn run_callbacks(due: Vec<(Callback, Finished)>) {
    for (callback, finished) in due {
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| callback(finished))).is_err() {
            eprintln!("error: a pool callback panicked");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiny_chunks_are_held_deeper_but_never_much_work_behind_one() {
        let us = Duration::from_micros;
        assert_eq!(depth_after(Duration::ZERO), MOST_HELD);
        assert_eq!(depth_after(us(1)), MOST_HELD);
        assert_eq!(depth_after(us(20)), 6);
        assert_eq!(depth_after(us(50)), 3);
        assert_eq!(depth_after(us(100)), 2);
        assert_eq!(depth_after(Duration::from_secs(3)), 2);
        for ran in (1..2_000).map(us) {
            let depth = depth_after(ran);
            // What waits behind the running chunk, if the next ones are
            // like the last: at most QUEUED_WORK, or a single chunk.
            assert!(
                depth == 2 || ran * (depth as u32 - 1) <= QUEUED_WORK,
                "{ran:?}"
            );
        }
    }
}
