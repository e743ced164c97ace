//! `JoinableQueue`: Python's `multiprocessing.JoinableQueue`, a [`Queue`]
//! whose consumers say when they have finished each item, so that a
//! producer can wait until all the work is done.
//!
//! Beside the queue, a word of shared memory counts the unfinished tasks:
//! `put` adds one, `task_done` takes one away, and `join` sleeps on the word
//! (a futex) until it is 0. No lock is involved, so a process killed
//! anywhere leaves no lock held; one killed between `get` and `task_done`
//! leaves its task unfinished for ever, and `join` waits for ever, as in
//! Python.

use super::Queue;
use crate::shm::SharedMemory;
use crate::sync::{futex_wait, futex_wake};
use crate::{Error, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// A queue of `T`s with Python's `task_done` and `join`: every item put is
/// a task, unfinished until some process that got it calls
/// [`task_done`](JoinableQueue::task_done); [`join`](JoinableQueue::join)
/// waits until there are no unfinished tasks. Everything else is as for
/// [`Queue`].
///
/// ```no_run
/// use common::{JoinableQueue, Process, Result};
///
/// fn worker(q: JoinableQueue<u32>) -> Result<()> {
///     loop {
///         let n = q.get()?;
///         println!("{n} squared is {}", n * n);
///         q.task_done()?;
///     }
/// }
///
/// fn main() -> std::process::ExitCode {
///     common::main(|| {
///         let q = JoinableQueue::new()?;
///         let mut p = Process::with_args(worker, q.clone()).daemon(true);
///         p.start()?;
///         for n in 0..10 {
///             q.put(&n)?;
///         }
///         q.join()?; // every item got *and* done
///         Ok(())
///     })
/// }
/// ```
pub struct JoinableQueue<T> {
    queue: Queue<T>,
    /// One `AtomicU32`: the unfinished tasks.
    unfinished: Arc<SharedMemory>,
}

impl<T> Clone for JoinableQueue<T> {
    fn clone(&self) -> Self {
        JoinableQueue {
            queue: self.queue.clone(),
            unfinished: self.unfinished.clone(),
        }
    }
}

impl<T: Serialize + DeserializeOwned> JoinableQueue<T> {
    /// An empty queue with no bound (Python's `JoinableQueue()`).
    pub fn new() -> Result<JoinableQueue<T>> {
        Self::around(Queue::new()?)
    }

    /// An empty queue of at most `maxsize` items (Python's
    /// `JoinableQueue(maxsize)`); see [`Queue::with_maxsize`].
    pub fn with_maxsize(maxsize: usize) -> Result<JoinableQueue<T>> {
        Self::around(Queue::with_maxsize(maxsize)?)
    }

    fn around(queue: Queue<T>) -> Result<JoinableQueue<T>> {
        Ok(JoinableQueue {
            queue,
            unfinished: Arc::new(SharedMemory::new(8)?),
        })
    }

    fn unfinished(&self) -> &AtomicU32 {
        // SAFETY: the block is 8 bytes, aligned, mapped while `self` lives,
        // and only ever used as this one atomic.
        unsafe { &*self.unfinished.as_ptr().cast::<AtomicU32>() }
    }

    /// Counts a task in, then runs `put`; counts it out again if the put
    /// failed (the item is not on the queue then).
    fn counted(&self, put: impl FnOnce() -> Result<()>) -> Result<()> {
        // Before the item can be got, so that a quick consumer's
        // `task_done` always finds it counted.
        self.unfinished().fetch_add(1, Ordering::AcqRel);
        put().inspect_err(|_| {
            if self.unfinished().fetch_sub(1, Ordering::AcqRel) == 1 {
                futex_wake(self.unfinished(), i32::MAX);
            }
        })
    }

    /// Puts an item, one more unfinished task ([`Queue::put`]).
    pub fn put(&self, item: &T) -> Result<()> {
        self.counted(|| self.queue.put(item))
    }

    /// [`Queue::put_timeout`], counting the task only if the item went on.
    pub fn put_timeout(&self, item: &T, timeout: Duration) -> Result<()> {
        self.counted(|| self.queue.put_timeout(item, timeout))
    }

    /// [`Queue::put_nowait`], counting the task only if the item went on.
    pub fn put_nowait(&self, item: &T) -> Result<()> {
        self.counted(|| self.queue.put_nowait(item))
    }

    // ANCHOR: task_done
    /// Says that one task got from the queue is finished (Python's
    /// `task_done()`); when none is left, [`join`](Self::join)s return.
    /// Called more times than items were put, it fails with a
    /// [`Kind::Usage`](crate::Kind::Usage) error, "task_done() called too
    /// many times" (Python's `ValueError`), and changes nothing.
    pub fn task_done(&self) -> Result<()> {
        let unfinished = self.unfinished();
        let mut n = unfinished.load(Ordering::Acquire);
        loop {
            if n == 0 {
                return Err(Error::usage("task_done() called too many times"));
            }
            match unfinished.compare_exchange(n, n - 1, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => break,
                Err(now) => n = now,
            }
        }
        if n == 1 {
            futex_wake(unfinished, i32::MAX);
        }
        Ok(())
    }

    /// Waits until every item put on the queue, by any process, has been
    /// got and marked done with [`task_done`](Self::task_done) (Python's
    /// `join()`). Returns at once if there is no unfinished task.
    pub fn join(&self) -> Result<()> {
        let unfinished = self.unfinished();
        loop {
            let n = unfinished.load(Ordering::Acquire);
            if n == 0 {
                return Ok(());
            }
            // Returns when the word is no longer `n` (or on a signal).
            futex_wait(unfinished, n, None)?;
        }
    }
    // ANCHOR_END: task_done

    /// [`Queue::get`].
    pub fn get(&self) -> Result<T> {
        self.queue.get()
    }

    /// [`Queue::get_timeout`].
    pub fn get_timeout(&self, timeout: Duration) -> Result<T> {
        self.queue.get_timeout(timeout)
    }

    /// [`Queue::get_nowait`].
    pub fn get_nowait(&self) -> Result<T> {
        self.queue.get_nowait()
    }

    /// [`Queue::try_get`].
    pub fn try_get(&self) -> Result<Option<T>> {
        self.queue.try_get()
    }

    /// [`Queue::qsize`]: items on the queue (not unfinished tasks).
    pub fn qsize(&self) -> usize {
        self.queue.qsize()
    }

    /// [`Queue::empty`].
    pub fn empty(&self) -> bool {
        self.queue.empty()
    }

    /// [`Queue::full`].
    pub fn full(&self) -> bool {
        self.queue.full()
    }

    /// [`Queue::maxsize`].
    pub fn maxsize(&self) -> Option<usize> {
        self.queue.maxsize()
    }

    /// [`Queue::close`].
    pub fn close(&self) {
        self.queue.close()
    }

    /// [`Queue::join_thread`].
    pub fn join_thread(&self) {
        self.queue.join_thread()
    }

    /// [`Queue::cancel_join_thread`].
    pub fn cancel_join_thread(&self) {
        self.queue.cancel_join_thread()
    }
}

impl<T> Serialize for JoinableQueue<T> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        (&self.queue, &*self.unfinished).serialize(s)
    }
}

impl<'de, T> Deserialize<'de> for JoinableQueue<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let (queue, unfinished) = <(Queue<T>, SharedMemory)>::deserialize(d)?;
        Ok(JoinableQueue {
            queue,
            unfinished: Arc::new(unfinished),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_done_too_many_times_is_a_usage_error_and_changes_nothing() {
        let q = JoinableQueue::<u8>::new().unwrap();
        let err = q.task_done().unwrap_err();
        assert_eq!(err.kind(), crate::Kind::Usage);
        assert_eq!(err.to_string(), "task_done() called too many times");
        q.put(&1).unwrap();
        assert_eq!(q.get().unwrap(), 1);
        q.task_done().unwrap();
        q.join().unwrap();
        assert!(q.task_done().is_err());
    }

    #[test]
    fn a_put_refused_as_full_is_not_a_task() {
        let q = JoinableQueue::<u8>::with_maxsize(1).unwrap();
        q.put(&1).unwrap();
        assert!(q.put_nowait(&2).unwrap_err().is_full());
        let start = std::time::Instant::now();
        let err = q.put_timeout(&2, Duration::from_millis(100)).unwrap_err();
        assert!(err.is_full(), "{err}");
        assert!(start.elapsed() >= Duration::from_millis(90));
        assert_eq!(q.unfinished().load(Ordering::Acquire), 1);
        assert_eq!(q.get().unwrap(), 1);
        q.task_done().unwrap();
        q.join().unwrap();
    }
}
