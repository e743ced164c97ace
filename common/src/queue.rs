//! `Queue`: the counterpart of Python's `multiprocessing.Queue`.
//!
//! Any number of processes may put items on one queue and any number may
//! get them; each item is got exactly once, and items put by one process
//! come out in the order it put them. How, in one paragraph: items travel
//! as frames through one Unix socket (like a [`crate::Pipe`]); a writers'
//! lock keeps two frames from interleaving, a readers' lock keeps two
//! readers from splitting one frame between them; both locks, and the item
//! count behind `qsize`, live in a small block of shared memory. Python's
//! queue is built the same way, from a pipe, two locks and a semaphore.

use crate::fds::Inherit;
use crate::pipe::{STALL_CHECK, socket_pair, with_encoded, with_frame, write_frame};
use crate::shm::{RawMutex, SharedMemory, Taken};
use crate::{Error, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::marker::PhantomData;
use std::os::fd::AsFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// A queue of `T`s shared by processes. Clone it to keep a handle while
/// giving one to a child: `Process::with_args(producer, queue.clone())`.
pub struct Queue<T> {
    inner: Arc<Inner>,
    _items: PhantomData<fn() -> T>,
}

struct Inner {
    /// Where readers read frames from.
    reader: Inherit,
    /// Where writers write frames to (the other end of the same socket).
    writer: Inherit,
    shared: SharedMemory,
    read_lock: RawMutex,
    write_lock: RawMutex,
}

// The shared block: two mutexes, the item count, and a "broken" flag set
// when a process died half-way through putting or getting an item.
const READ_LOCK: usize = 0;
const WRITE_LOCK: usize = RawMutex::SIZE;
const COUNT: usize = 2 * RawMutex::SIZE;
const BROKEN: usize = COUNT + 8;
const SHARED_SIZE: usize = BROKEN + 8;

impl Inner {
    fn count(&self) -> &AtomicI64 {
        // SAFETY: COUNT is inside the block, 8-aligned, used only as this atomic.
        unsafe { &*self.shared.as_ptr().add(COUNT).cast::<AtomicI64>() }
    }

    fn broken(&self) -> &AtomicU32 {
        // SAFETY: as above, for BROKEN.
        unsafe { &*self.shared.as_ptr().add(BROKEN).cast::<AtomicU32>() }
    }

    fn check_broken(&self) -> Result<()> {
        if self.broken().load(Ordering::Acquire) != 0 {
            return Err(Error::new(
                "a process died half-way through putting or getting an item: this queue is no longer usable",
            ));
        }
        Ok(())
    }

    fn mark_broken(&self) -> Error {
        self.broken().store(1, Ordering::Release);
        self.check_broken().unwrap_err()
    }

    fn attach(reader: Inherit, writer: Inherit, shared: SharedMemory) -> Inner {
        // SAFETY: the creator initialised both mutexes in this block, which
        // stays mapped as long as `shared` lives in the same `Inner`.
        let (read_lock, write_lock) = unsafe {
            (
                RawMutex::attach(shared.as_ptr().add(READ_LOCK)),
                RawMutex::attach(shared.as_ptr().add(WRITE_LOCK)),
            )
        };
        Inner {
            reader,
            writer,
            shared,
            read_lock,
            write_lock,
        }
    }
}

impl<T> Clone for Queue<T> {
    fn clone(&self) -> Self {
        Queue {
            inner: self.inner.clone(),
            _items: PhantomData,
        }
    }
}

impl<T: Serialize + DeserializeOwned> Queue<T> {
    /// An empty queue.
    pub fn new() -> Result<Queue<T>> {
        let (reader, writer) = socket_pair()?;
        // Reads return every STALL_CHECK while they wait, so that a frame
        // whose writer died half-way is noticed (see `get_until`).
        let timeout = nix::sys::time::TimeVal::new(0, STALL_CHECK.as_micros() as _);
        nix::sys::socket::setsockopt(&reader, nix::sys::socket::sockopt::ReceiveTimeout, &timeout)?;
        let shared = SharedMemory::new(SHARED_SIZE)?;
        // SAFETY: fresh zeroed shared memory, one mutex per SIZE-long slot.
        unsafe {
            RawMutex::init(shared.as_ptr().add(READ_LOCK))?;
            RawMutex::init(shared.as_ptr().add(WRITE_LOCK))?;
        }
        Ok(Queue {
            inner: Arc::new(Inner::attach(reader, writer, shared)),
            _items: PhantomData,
        })
    }

    // ANCHOR: put
    /// Puts an item on the queue. It blocks only while the socket's buffer
    /// is full, until a reader makes room (Python's `put` hands the item to
    /// a background thread instead and returns at once).
    pub fn put(&self, item: &T) -> Result<()> {
        with_encoded(item, |bytes| self.put_bytes(bytes))
    }

    fn put_bytes(&self, bytes: &[u8]) -> Result<()> {
        let inner = &self.inner;
        inner.check_broken()?;
        if inner.write_lock.lock(None)? == Some(Taken::OwnerDied) {
            // The last writer died mid-frame: the stream is corrupt.
            let e = inner.mark_broken();
            inner.write_lock.unlock();
            return Err(e);
        }
        inner.count().fetch_add(1, Ordering::AcqRel);
        let written = write_frame(inner.writer.as_fd(), bytes);
        if written.is_err() {
            inner.count().fetch_sub(1, Ordering::AcqRel);
        }
        inner.write_lock.unlock();
        written
    }
    // ANCHOR_END: put

    /// Takes the next item, waiting as long as it takes.
    pub fn get(&self) -> Result<T> {
        self.get_until(None)
    }

    /// Takes the next item, waiting at most `timeout`; a timeout error
    /// ([`Error::is_timeout`], Python's `queue.Empty`) if none comes.
    pub fn get_timeout(&self, timeout: Duration) -> Result<T> {
        self.get_until(Some(Instant::now() + timeout))
    }

    /// Takes the next item if there is one now (Python's `get_nowait`).
    pub fn try_get(&self) -> Result<Option<T>> {
        match self.get_until(Some(Instant::now())) {
            Ok(item) => Ok(Some(item)),
            Err(e) if e.is_timeout() => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn get_until(&self, deadline: Option<Instant>) -> Result<T> {
        let inner = &self.inner;
        inner.check_broken()?;
        let empty = || Error::timeout("the queue stayed empty");
        match inner.read_lock.lock(crate::shm::remaining(deadline))? {
            None => return Err(empty()),
            Some(Taken::OwnerDied) => {
                // A reader died mid-frame: what is left of it would be misread.
                let e = inner.mark_broken();
                inner.read_lock.unlock();
                return Err(e);
            }
            Some(Taken::Ok) => {}
        }
        // A frame that stalls half-way is waited for while its writer lives:
        // a writer that died holding the writers' lock is reported instead.
        let writer_alive = || match inner.write_lock.try_lock()? {
            Some(Taken::OwnerDied) => {
                let e = inner.mark_broken();
                inner.write_lock.unlock();
                Err(e)
            }
            Some(Taken::Ok) => {
                inner.write_lock.unlock();
                Ok(())
            }
            None => Ok(()),
        };
        let released = std::cell::Cell::new(false);
        let item = with_frame(inner.reader.as_fd(), deadline, &writer_alive, |bytes| {
            // The frame is ours: release the readers' lock before decoding it.
            inner.count().fetch_sub(1, Ordering::AcqRel);
            inner.read_lock.unlock();
            released.set(true);
            Ok(postcard::from_bytes(bytes)?)
        });
        if !released.get() {
            inner.read_lock.unlock();
        }
        match item {
            Err(e) if e.is_timeout() => Err(empty()),
            other => other,
        }
    }

    /// How many items are on the queue: put, and not yet got. Like Python's,
    /// it may be out of date as soon as it is read.
    pub fn qsize(&self) -> usize {
        self.inner.count().load(Ordering::Acquire).max(0) as usize
    }

    pub fn empty(&self) -> bool {
        self.qsize() == 0
    }

    /// Drops this handle (Python's `close()`): the queue lives on in the
    /// processes that still hold one.
    pub fn close(self) {}
}

impl<T> Serialize for Queue<T> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        (&self.inner.reader, &self.inner.writer, &self.inner.shared).serialize(s)
    }
}

impl<'de, T> Deserialize<'de> for Queue<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let (reader, writer, shared) = <(Inherit, Inherit, SharedMemory)>::deserialize(d)?;
        Ok(Queue {
            inner: Arc::new(Inner::attach(reader, writer, shared)),
            _items: PhantomData,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_come_out_in_order_and_are_counted() {
        let q = Queue::<String>::new().unwrap();
        assert!(q.empty());
        for word in ["a", "bb", "ccc"] {
            q.put(&word.to_string()).unwrap();
        }
        assert_eq!(q.qsize(), 3);
        assert_eq!(q.get().unwrap(), "a");
        assert_eq!(q.try_get().unwrap().as_deref(), Some("bb"));
        assert_eq!(q.get_timeout(Duration::from_millis(10)).unwrap(), "ccc");
        assert!(q.empty());
    }

    #[test]
    fn an_empty_queue_times_out() {
        let q = Queue::<u8>::new().unwrap();
        assert_eq!(q.try_get().unwrap(), None);
        let start = Instant::now();
        let err = q.get_timeout(Duration::from_millis(100)).unwrap_err();
        assert!(err.is_timeout(), "{err}");
        assert!(start.elapsed() >= Duration::from_millis(90));
    }

    #[test]
    fn a_16_mib_item_arrives_intact() {
        let q = Queue::<Vec<u8>>::new().unwrap();
        let big: Vec<u8> = (0..16 << 20).map(|i: u32| (i % 251) as u8).collect();
        let reader = {
            let q = q.clone();
            std::thread::spawn(move || q.get().unwrap())
        };
        q.put(&big).unwrap();
        assert!(reader.join().unwrap() == big);
    }

    #[test]
    fn a_queue_cannot_be_serialized_outside_a_process_argument() {
        let q = Queue::<u8>::new().unwrap();
        // Its descriptors mean something only to a child that inherits them.
        assert!(postcard::to_stdvec(&q).is_err());
    }
}
