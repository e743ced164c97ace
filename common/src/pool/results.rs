//! What the caller holds while tasks run: `AsyncResult`, `MapResult` and
//! the `Imap` iterator, and how a chunk's results are decoded.

use super::scheduler::{Chunk, ChunkResults, State, lock, wait_for};
use super::wire::{Func, TaskId, outcomes};
use crate::{Error, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::VecDeque;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A job in the pool that someone will ask for: its results are dropped
/// with it.
pub(super) struct Handle {
    pub(super) state: Arc<Mutex<State>>,
    pub(super) job: u64,
}

/// A result that is not there yet (Python's `AsyncResult`), of `apply_async`.
pub struct AsyncResult<R> {
    pub(super) handle: Handle,
    pub(super) _result: PhantomData<fn() -> R>,
}

/// The results of `map_async`, not there yet.
pub struct MapResult<R> {
    pub(super) handle: Handle,
    pub(super) _result: PhantomData<fn() -> R>,
}

/// Decodes a chunk's outcomes, the first being input number `first`.
/// Every result of a finished job, in input order.
pub(super) fn decode_all<R: DeserializeOwned>(
    finished: &super::scheduler::Finished,
) -> Vec<Result<R>> {
    finished
        .iter()
        .flat_map(|(first, chunk)| decode_chunk(*first, chunk))
        .collect()
}

fn decode_chunk<R: DeserializeOwned>(first: usize, chunk: &ChunkResults) -> Vec<Result<R>> {
    (first..)
        .zip(outcomes(&chunk.bytes, chunk.count))
        .map(|(index, bytes)| {
            let bytes =
                bytes.ok_or_else(|| Error::new(format!("task {index}: its result is missing")))?;
            match postcard::from_bytes::<std::result::Result<R, String>>(bytes) {
                Ok(outcome) => {
                    outcome.map_err(|why| Error::new(format!("task {index} failed: {why}")))
                }
                Err(e) => Err(Error::new(format!(
                    "task {index}: cannot decode its result: {e}"
                ))),
            }
        })
        .collect()
}

impl Handle {
    fn is_done(&self, s: &State) -> bool {
        s.jobs.get(&self.job).is_none_or(|j| j.remaining == 0)
    }

    /// Waits until every task is done, or `deadline` passes.
    fn wait_until(&self, deadline: Option<Instant>) -> Result<bool> {
        let _wait = crate::timeline::blocked("pool results");
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
        // Whatever the success type, an outcome starts with the variant of
        // its `Result`, a varint as a `u32` is: 0 for `Ok`. (Decoding it as
        // `Result<IgnoredAny, _>` cannot work: postcard does not describe
        // itself, so it cannot skip a value of unknown type.)
        let succeeded =
            |bytes: &[u8]| matches!(postcard::take_from_bytes::<u32>(bytes), Ok((0, _)));
        Ok(job.chunks.values().all(|c| {
            outcomes(&c.bytes, c.count)
                .into_iter()
                .all(|outcome| outcome.is_some_and(succeeded))
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
        lock(&self.state).forget(self.job);
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
    pub(super) state: Arc<Mutex<State>>,
    pub(super) job: u64,
    pub(super) func: Func,
    pub(super) inputs: I,
    pub(super) chunksize: usize,
    /// Inputs taken from `inputs` and submitted so far.
    pub(super) submitted: usize,
    /// Results handed out so far.
    pub(super) yielded: usize,
    pub(super) exhausted: bool,
    pub(super) ordered: bool,
    /// How many chunks to keep submitted ahead of the consumer.
    pub(super) ahead: usize,
    /// Results of the chunk being handed out, with their indices.
    pub(super) ready: VecDeque<(usize, Result<R>)>,
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
            if let Some(why) = &s.broken {
                return Err(Error::new(why.clone()));
            }
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
        lock(&self.state).forget(self.job);
    }
}
