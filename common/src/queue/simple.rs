//! `SimpleQueue`: Python's `multiprocessing.SimpleQueue`, a queue with no
//! feeder thread: `put` writes the item itself, and waits while the
//! socket is full.

use super::Queue;
use crate::Result;
use crate::pipe::{readable, with_encoded};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::os::fd::AsFd;
use std::time::Instant;

/// Python's `multiprocessing.SimpleQueue`: `put`, `get`, `empty`, `close`,
/// and nothing else. Unlike [`Queue`], no feeder thread: `put` returns
/// once the item is in the queue's socket, waiting (holding no lock) while
/// the socket is full, so a process that puts more than the socket holds
/// waits until a reader takes some. Nothing is left to deliver when a
/// process ends. Items travel as in [`Queue`], so a process killed at any
/// instant leaves no half item behind.
pub struct SimpleQueue<T> {
    queue: Queue<T>,
}

impl<T> Clone for SimpleQueue<T> {
    fn clone(&self) -> Self {
        SimpleQueue {
            queue: self.queue.clone(),
        }
    }
}

impl<T: Serialize + DeserializeOwned> SimpleQueue<T> {
    /// An empty queue (Python's `SimpleQueue()`).
    pub fn new() -> Result<SimpleQueue<T>> {
        Ok(SimpleQueue {
            queue: Queue::new()?,
        })
    }

    /// Writes the item into the queue, waiting while it is full (Python's
    /// `put`).
    pub fn put(&self, item: &T) -> Result<()> {
        with_encoded(item, |bytes| self.queue.put_direct(bytes))
    }

    /// Takes the next item, waiting as long as it takes (Python's `get`).
    pub fn get(&self) -> Result<T> {
        self.queue.get()
    }

    /// Whether no item can be got now (Python's `empty`, which polls the
    /// pipe): an item still being written by a blocked `put` is not there
    /// yet.
    pub fn empty(&self) -> bool {
        let reader = self.queue.inner.ends.reader.as_fd();
        !readable(reader, Some(Instant::now())).unwrap_or(false)
    }

    /// [`Queue::close`]: this process puts and gets no more.
    pub fn close(&self) {
        self.queue.close()
    }
}

impl<T> Serialize for SimpleQueue<T> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.queue.serialize(s)
    }
}

impl<'de, T> Deserialize<'de> for SimpleQueue<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Ok(SimpleQueue {
            queue: Queue::deserialize(d)?,
        })
    }
}
