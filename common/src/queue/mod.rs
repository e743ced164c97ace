//! `Queue`: the counterpart of Python's `multiprocessing.Queue`.
//!
//! Any number of processes may put items on one queue and any number may
//! get them; each item is got exactly once, and items put by one process
//! come out in the order it put them. How, in one paragraph: items travel
//! through one Unix `SOCK_SEQPACKET` socket pair, one message per item (see
//! `wire.rs`). The kernel sends a message whole or not at all and hands it
//! whole to exactly one reader, so a `get` is one `recvmsg`, with no peek
//! and no lock: two consumers never split an item, a consumer terminated
//! while it waits takes nothing with it, and a process killed at any
//! instant leaves no half item behind. `put` never waits: what the socket
//! cannot take at once goes to a feeder thread (`feeder.rs`), as in
//! Python, which sends the items waiting several at a time (`sendmmsg`).
//! The item count behind `qsize` lives in a small block of shared memory.
//!
//! A queue made with [`Queue::with_maxsize`] is bounded: `put` waits while
//! it holds `maxsize` items, on a futex in the same block, holding no lock.
//! [`JoinableQueue`] adds Python's `task_done`/`join`, and [`SimpleQueue`]
//! is Python's queue without a feeder thread.

mod feeder;
mod joinable;
mod simple;
mod wire;

pub use joinable::JoinableQueue;
pub use simple::SimpleQueue;

pub(crate) use feeder::{THREAD_NAME as FEEDER_THREAD, flush_all, forget_all};

use crate::fds::Inherit;
use crate::pipe::{readable, with_encoded};
use crate::shm::SharedMemory;
use crate::{Error, Result};
use feeder::Feeder;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cell::RefCell;
use std::marker::PhantomData;
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wire::{Outgoing, Received, Sent};

/// A queue of `T`s shared by processes (Python's `multiprocessing.Queue`).
/// Clone it to keep a handle while giving one to a child:
/// `Process::with_args(producer, queue.clone())`. Clones in one process
/// are the same queue object, as `q2 = q` is in Python: closing one closes
/// both.
///
/// ```no_run
/// # fn main() -> common::Result<()> {
/// // Python: q = Queue(maxsize=2); q.put(1); q.put(2); q.put_nowait(3) -> queue.Full
/// let q = common::Queue::<u32>::with_maxsize(2)?;
/// q.put(&1)?;
/// q.put(&2)?;
/// assert!(q.full());
/// assert!(q.put_nowait(&3).unwrap_err().is_full());
/// assert_eq!(q.get_nowait()?, 1);
/// # Ok(())
/// # }
/// ```
pub struct Queue<T> {
    inner: Arc<Inner>,
    _items: PhantomData<fn() -> T>,
}

/// One process's view of a queue: the socket and shared block, and the
/// feeder thread, started on the first `put` that finds the socket full.
struct Inner {
    ends: Arc<Ends>,
    feeder: Mutex<Option<Feeder>>,
    /// Set by `close`: this process puts and gets no more.
    closed: AtomicBool,
    /// Set by `cancel_join_thread`, and shared with the feeder.
    cancelled: Arc<AtomicBool>,
}

/// The socket's two ends and the shared block (shared with the feeder).
struct Ends {
    /// Where readers take messages from.
    reader: Inherit,
    /// Where writers send messages to (the other end of the same pair).
    writer: Inherit,
    shared: SharedMemory,
}

// The shared block. No lock: the socket alone keeps items whole and
// apart (see `wire.rs`).
/// The items put and not yet got (an `AtomicI64`).
const COUNT: usize = 0;
/// The bound (0: none), set at creation.
const MAXSIZE: usize = COUNT + 8;
/// Bumped whenever an item leaves a bounded queue: putters waiting for
/// room sleep on it (a futex word).
const ROOM: usize = MAXSIZE + 4;
const SHARED_SIZE: usize = ROOM + 4;

impl Ends {
    fn word<A>(&self, offset: usize) -> &A {
        // SAFETY: every offset used is inside the block, aligned, and used
        // only as the one atomic type its constant names.
        unsafe { &*self.shared.as_ptr().add(offset).cast::<A>() }
    }

    fn count(&self) -> &AtomicI64 {
        self.word(COUNT)
    }

    fn flag(&self, offset: usize) -> &AtomicU32 {
        self.word(offset)
    }

    fn maxsize(&self) -> i64 {
        i64::from(self.flag(MAXSIZE).load(Ordering::Relaxed))
    }

    /// Counts an item in, first waiting (until `deadline`, for ever if
    /// `None`) while a bounded queue is full. Holds no lock while waiting.
    // ANCHOR: reserve
    fn reserve(&self, deadline: Option<Instant>) -> Result<()> {
        let max = self.maxsize();
        if max == 0 {
            self.count().fetch_add(1, Ordering::AcqRel);
            return Ok(());
        }
        let room = self.flag(ROOM);
        loop {
            // Read the wake-up word first: a get after this read changes
            // it, so the sleep below does not miss that get.
            let seen = room.load(Ordering::Acquire);
            let n = self.count().load(Ordering::Acquire);
            if n < max {
                if (self.count())
                    .compare_exchange(n, n + 1, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok()
                {
                    return Ok(());
                }
                continue;
            }
            let left = crate::shm::remaining(deadline);
            if left.is_some_and(|left| left.is_zero()) {
                return Err(Error::full(format!("the queue is full ({max} items)")));
            }
            crate::sync::futex_wait(room, seen, left)?;
        }
    }
    // ANCHOR_END: reserve

    /// Counts an item out (got, or dropped by a failed put), making room
    /// in a bounded queue for the putters waiting.
    fn uncount(&self) {
        self.uncount_many(1);
    }

    fn uncount_many(&self, items: usize) {
        self.count().fetch_sub(items as i64, Ordering::AcqRel);
        if self.maxsize() != 0 {
            let room = self.flag(ROOM);
            room.fetch_add(1, Ordering::AcqRel);
            // Every waiter: one woken that has meanwhile timed out, or been
            // killed, must not swallow the only wake-up.
            crate::sync::futex_wake(room, i32::MAX);
        }
    }

    // ANCHOR: try_put
    /// Sends a frame, as one message, if the socket has room for it now.
    /// Never waits, and takes no lock: the kernel keeps concurrent
    /// writers' messages whole and apart.
    fn try_put(&self, frame: &Outgoing) -> Result<Sent> {
        frame.try_send(self.writer.as_fd())
    }
    // ANCHOR_END: try_put

    fn attach(reader: Inherit, writer: Inherit, shared: SharedMemory) -> Ends {
        Ends {
            reader,
            writer,
            shared,
        }
    }
}

impl Inner {
    fn new(ends: Ends) -> Inner {
        Inner {
            ends: Arc::new(ends),
            feeder: Mutex::new(None),
            closed: AtomicBool::new(false),
            cancelled: Arc::new(AtomicBool::new(false)),
        }
    }

    fn check_open(&self) -> Result<()> {
        if self.closed.load(Ordering::Acquire) {
            return Err(Error::usage("the queue is closed in this process"));
        }
        Ok(())
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

thread_local! {
    /// The last item's bytes, reused: a big item then costs no fresh memory.
    static RECEIVED: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

impl<T: Serialize + DeserializeOwned> Queue<T> {
    /// An empty queue with no bound (Python's `Queue()`): `put` never waits.
    pub fn new() -> Result<Queue<T>> {
        Self::make(0)
    }

    /// An empty queue holding at most `maxsize` items (Python's
    /// `Queue(maxsize)`): `put` waits while it is full, and
    /// [`put_timeout`](Self::put_timeout) and [`put_nowait`](Self::put_nowait)
    /// fail with [`Kind::Full`](crate::Kind::Full) (Python's `queue.Full`).
    /// Items waiting in a feeder thread count as on the queue, as in Python.
    ///
    /// Python takes `maxsize <= 0` to mean "no bound"; here that is
    /// [`Queue::new`], and `with_maxsize(0)` is a usage error, since a queue
    /// that holds nothing could never be put to. `maxsize` above `u32::MAX`
    /// is a usage error too.
    ///
    /// A process killed between reserving its room and counting the item
    /// in (a few instructions), or holding unwritten items in its feeder,
    /// takes that room with it: as in Python, the queue's count stays
    /// higher than what can be got.
    pub fn with_maxsize(maxsize: usize) -> Result<Queue<T>> {
        if maxsize == 0 {
            return Err(Error::usage(
                "a queue's maxsize must be at least 1: use Queue::new() for an unbounded queue",
            ));
        }
        let maxsize = u32::try_from(maxsize).map_err(|_| {
            Error::usage(format!(
                "a queue's maxsize must be at most {} (got {maxsize})",
                u32::MAX
            ))
        })?;
        Self::make(maxsize)
    }

    fn make(maxsize: u32) -> Result<Queue<T>> {
        let (reader, writer) = wire::socket_pair()?;
        let shared = SharedMemory::new(SHARED_SIZE)?;
        let ends = Ends::attach(reader, writer, shared);
        ends.flag(MAXSIZE).store(maxsize, Ordering::Relaxed);
        Ok(Queue {
            inner: Arc::new(Inner::new(ends)),
            _items: PhantomData,
        })
    }

    // ANCHOR: put
    /// Puts an item on the queue, and returns at once: if the socket has
    /// no room now, the item waits in this process's feeder thread, which
    /// writes it as soon as a reader makes room (Python's `put`). Items put
    /// by one process come out in the order it put them.
    ///
    /// On a bounded queue ([`Queue::with_maxsize`]) it first waits, as
    /// long as it takes, while the queue is full.
    pub fn put(&self, item: &T) -> Result<()> {
        with_encoded(item, |bytes| self.put_bytes(bytes, None))
    }

    fn put_bytes(&self, bytes: &[u8], deadline: Option<Instant>) -> Result<()> {
        crate::timeline::sent(crate::timeline::QUEUE, bytes);
        let ends = &self.inner.ends;
        self.inner.check_open()?;
        let frame = Outgoing::new(bytes)?;
        // Room first, outside this process's feeder lock: other threads
        // of this process are not held up while this one waits.
        ends.reserve(deadline)?;
        let mut feeder = self.inner.feeder.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(e) = feeder.as_ref().and_then(|f| f.state.take_error()) {
            ends.uncount();
            return Err(e);
        }
        // Straight into the socket, unless earlier items still wait in the
        // feeder: they go first.
        if feeder.as_ref().is_none_or(|f| f.state.pending() == 0) {
            match ends.try_put(&frame) {
                Ok(Sent::Whole) => {
                    frame.recycle();
                    return Ok(());
                }
                Ok(_) => {}
                Err(e) => {
                    ends.uncount();
                    return Err(e);
                }
            }
        }
        if feeder.is_none() {
            match Feeder::start(ends.clone(), self.inner.cancelled.clone()) {
                Ok(started) => *feeder = Some(started),
                Err(e) => {
                    ends.uncount();
                    return Err(e);
                }
            }
        }
        let feeder = feeder.as_ref().expect("started above");
        feeder.send(frame).inspect_err(|_| ends.uncount())
    }
    // ANCHOR_END: put

    /// Puts an item, waiting at most `timeout` for room on a bounded queue;
    /// a [`Kind::Full`](crate::Kind::Full) error if none came (Python's
    /// `put(item, timeout=t)` raising `queue.Full`). The item is then not
    /// on the queue, and the queue is as it was. On an unbounded queue it
    /// is [`put`](Self::put).
    pub fn put_timeout(&self, item: &T, timeout: Duration) -> Result<()> {
        with_encoded(item, |bytes| {
            self.put_bytes(bytes, Some(Instant::now() + timeout))
        })
    }

    /// Puts an item if a bounded queue has room now, else fails with
    /// [`Kind::Full`](crate::Kind::Full) (Python's `put_nowait`).
    pub fn put_nowait(&self, item: &T) -> Result<()> {
        with_encoded(item, |bytes| self.put_bytes(bytes, Some(Instant::now())))
    }

    /// Writes an item straight into the socket, from this thread, waiting
    /// (holding no lock) while the socket is full: for [`SimpleQueue`].
    fn put_direct(&self, bytes: &[u8]) -> Result<()> {
        crate::timeline::sent(crate::timeline::QUEUE, bytes);
        let ends = &*self.inner.ends;
        self.inner.check_open()?;
        let frame = Outgoing::new(bytes)?;
        ends.reserve(None)?;
        loop {
            match ends.try_put(&frame) {
                Ok(Sent::Whole) => return Ok(()),
                Ok(Sent::NoRoom) => feeder::wait_writable(ends),
                Ok(Sent::TooManyDescriptors) => std::thread::sleep(Duration::from_millis(5)),
                Err(e) => {
                    ends.uncount();
                    return Err(e);
                }
            }
        }
    }

    /// Waits until every item this process put is in the queue's socket
    /// (Python's `join_thread`). The process does the same when it ends,
    /// unless [`cancel_join_thread`](Self::cancel_join_thread) was called;
    /// then this returns at once. Unlike Python's, it may be called before
    /// [`close`](Self::close).
    pub fn join_thread(&self) {
        // The state is cloned so that other threads may go on putting.
        let state = (self.inner.feeder.lock().unwrap_or_else(|p| p.into_inner()))
            .as_ref()
            .map(|f| f.state.clone());
        if let Some(state) = state {
            state.flush();
        }
    }

    /// Lets this process end without writing what its feeder still holds
    /// for this queue (Python's `cancel_join_thread`): neither
    /// [`join_thread`](Self::join_thread) nor the end of the process waits
    /// for it any more. Those items are lost (and stay counted in
    /// [`qsize`](Self::qsize)). For a process that must end even though
    /// nobody reads what it put.
    pub fn cancel_join_thread(&self) {
        self.inner.cancelled.store(true, Ordering::Release);
    }

    /// Takes the next item, waiting as long as it takes.
    pub fn get(&self) -> Result<T> {
        self.get_until(None)
    }

    /// Takes the next item, waiting at most `timeout`; a timeout error
    /// ([`Error::is_timeout`], Python's `queue.Empty`) if none comes.
    pub fn get_timeout(&self, timeout: Duration) -> Result<T> {
        self.get_until(Some(Instant::now() + timeout))
    }

    /// Takes the next item if there is one now, else fails with a timeout
    /// error (Python's `get_nowait`, raising `queue.Empty`):
    /// [`Kind::Timeout`](crate::Kind::Timeout). An item still in its
    /// putter's feeder thread is not there yet, as in Python.
    pub fn get_nowait(&self) -> Result<T> {
        self.get_until(Some(Instant::now()))
    }

    /// Takes the next item if there is one now: `Ok(None)` where
    /// [`get_nowait`](Self::get_nowait) fails.
    pub fn try_get(&self) -> Result<Option<T>> {
        match self.get_until(Some(Instant::now())) {
            Ok(item) => Ok(Some(item)),
            Err(e) if e.is_timeout() => Ok(None),
            Err(e) => Err(e),
        }
    }

    // ANCHOR: get
    fn get_until(&self, deadline: Option<Instant>) -> Result<T> {
        let ends = &*self.inner.ends;
        let _wait = crate::timeline::blocked("get");
        self.inner.check_open()?;
        RECEIVED.with(|cell| {
            let mut mine = Vec::new();
            let mut borrowed = cell.try_borrow_mut();
            let buf = borrowed.as_deref_mut().unwrap_or(&mut mine);
            loop {
                // One `recvmsg`: it waits for a message when there is no
                // deadline, and takes one whole item or nothing. A consumer
                // terminated while it waits takes nothing with it.
                let wait = deadline.is_none();
                let got = match wire::receive(ends.reader.as_fd(), buf, wait)? {
                    Received::Item(range) => range,
                    Received::Nothing => {
                        if !readable(ends.reader.as_fd(), deadline)? {
                            return Err(Error::timeout("the queue stayed empty"));
                        }
                        // Another reader may take it first: try again.
                        continue;
                    }
                    // Not a frame: taken, and said; the queue goes on.
                    Received::Bad(e) => {
                        ends.uncount();
                        return Err(e);
                    }
                };
                ends.uncount();
                let bytes = &buf[got];
                crate::timeline::received(crate::timeline::QUEUE, bytes);
                return postcard::from_bytes(bytes).map_err(Into::into);
            }
        })
    }
    // ANCHOR_END: get

    /// How many items are on the queue: put, and not yet got. Like Python's,
    /// it may be out of date as soon as it is read.
    pub fn qsize(&self) -> usize {
        self.inner.ends.count().load(Ordering::Acquire).max(0) as usize
    }

    /// Whether the queue holds no item ([`qsize`](Self::qsize) is 0);
    /// as out of date as `qsize`.
    pub fn empty(&self) -> bool {
        self.qsize() == 0
    }

    /// Whether a bounded queue holds `maxsize` items (always false for an
    /// unbounded one); as out of date as [`qsize`](Self::qsize).
    pub fn full(&self) -> bool {
        let max = self.inner.ends.maxsize();
        max != 0 && self.inner.ends.count().load(Ordering::Acquire) >= max
    }

    /// The bound given to [`Queue::with_maxsize`], or `None` for none.
    pub fn maxsize(&self) -> Option<usize> {
        let max = self.inner.ends.maxsize();
        (max != 0).then_some(max as usize)
    }

    /// Says this process will put and get no more on this queue (Python's
    /// `close()`): later `put`s and `get`s here, through any clone, fail
    /// with a [`Kind::Usage`](crate::Kind::Usage) error (Python raises
    /// `ValueError`/`OSError`). The queue lives on in the other processes,
    /// and what this process put is still delivered (see
    /// [`join_thread`](Self::join_thread)).
    pub fn close(&self) {
        self.inner.closed.store(true, Ordering::Release);
    }
}

impl<T> Serialize for Queue<T> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let ends = &self.inner.ends;
        (&ends.reader, &ends.writer, &ends.shared).serialize(s)
    }
}

impl<'de, T> Deserialize<'de> for Queue<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let (reader, writer, shared) = <(Inherit, Inherit, SharedMemory)>::deserialize(d)?;
        Ok(Queue {
            inner: Arc::new(Inner::new(Ends::attach(reader, writer, shared))),
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
    fn maxsize_zero_or_too_big_is_a_usage_error() {
        for maxsize in [0, u32::MAX as usize + 1] {
            let err = Queue::<u8>::with_maxsize(maxsize).err().unwrap();
            assert_eq!(err.kind(), crate::Kind::Usage, "{err}");
        }
        let q = Queue::<u8>::with_maxsize(u32::MAX as usize).unwrap();
        assert_eq!(q.maxsize(), Some(u32::MAX as usize));
    }

    #[test]
    fn an_unbounded_queue_is_never_full() {
        let q = Queue::<u16>::new().unwrap();
        assert_eq!(q.maxsize(), None);
        for i in 0..1000 {
            q.put_nowait(&i).unwrap();
        }
        assert!(!q.full());
        q.put_timeout(&1000, Duration::ZERO).unwrap();
        for i in 0..=1000 {
            assert_eq!(q.get().unwrap(), i);
        }
    }

    #[test]
    fn a_bounded_queue_is_full_at_maxsize_and_a_get_makes_room() {
        let q = Queue::<u8>::with_maxsize(2).unwrap();
        q.put(&1).unwrap();
        q.put(&2).unwrap();
        assert!(q.full());
        assert!(q.put_nowait(&3).unwrap_err().is_full());
        assert_eq!(q.qsize(), 2);
        // A putter in another thread waits for room, and gets it.
        let putter = {
            let q = q.clone();
            std::thread::spawn(move || q.put(&3))
        };
        std::thread::sleep(Duration::from_millis(100));
        assert!(!putter.is_finished());
        assert_eq!(q.get().unwrap(), 1);
        putter.join().unwrap().unwrap();
        assert_eq!([q.get().unwrap(), q.get().unwrap()], [2, 3]);
        assert!(q.empty() && !q.full());
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

    /// Sends one raw message into a queue's socket, with descriptors, as
    /// a corrupt peer would.
    fn inject(q: &Queue<u8>, bytes: &[u8], fds: &[std::os::fd::RawFd]) {
        let iov = [std::io::IoSlice::new(bytes)];
        let writer = q.inner.ends.writer.as_fd();
        crate::fds::send_with_fds(writer, &iov, fds, nix::sys::socket::MsgFlags::empty()).unwrap();
    }

    #[test]
    fn a_malformed_message_is_an_error_that_spoils_only_itself() {
        let memfd =
            nix::sys::memfd::memfd_create(c"t", nix::sys::memfd::MFdFlags::empty()).unwrap();
        let fd = std::os::fd::AsRawFd::as_raw_fd(&memfd);
        let with_len = |len: u64, extra: &[u8]| [&len.to_le_bytes()[..], extra].concat();
        let cases: Vec<(Vec<u8>, Vec<std::os::fd::RawFd>, &str)> = vec![
            // Absurd headers: an error, not an allocation of what they ask.
            (
                (!(1u64 << 63)).to_le_bytes().to_vec(),
                vec![],
                "over this process's limit",
            ),
            (
                (1u64 << 40).to_le_bytes().to_vec(),
                vec![],
                "over this process's limit",
            ),
            (
                u64::MAX.to_le_bytes().to_vec(),
                vec![],
                "over this process's limit",
            ),
            // Shorter than a header.
            (vec![1, 2, 3], vec![], "shorter than a frame's header"),
            // A header that says more, or less, than came.
            (with_len(5, &[1]), vec![], "its header says 5 bytes, 1 came"),
            (
                with_len(0, &[1, 2]),
                vec![],
                "its header says 0 bytes, 2 came",
            ),
            // Longer than any frame.
            (vec![0; wire::INLINE_MAX + 1], vec![], "longer than a frame"),
            // A big item's header without its memfd, or a memfd too short.
            (
                (100_000u64 | 1 << 63).to_le_bytes().to_vec(),
                vec![],
                "exactly one memfd",
            ),
            (
                (100_000u64 | 1 << 63).to_le_bytes().to_vec(),
                vec![fd],
                "holds 0 bytes",
            ),
            // A small frame carrying a descriptor.
            (
                with_len(1, &[7]),
                vec![fd],
                "a small frame with a descriptor",
            ),
        ];
        for (bytes, fds, expected) in cases {
            let q = Queue::<u8>::new().unwrap();
            inject(&q, &bytes, &fds);
            q.put(&42).unwrap();
            let err = q.get_timeout(Duration::from_secs(1)).unwrap_err();
            assert!(err.to_string().contains(expected), "{expected}: {err}");
            // The next message is read as usual, at once, and the queue works on.
            let start = Instant::now();
            assert_eq!(
                q.get_timeout(Duration::from_secs(5)).unwrap(),
                42,
                "{expected}"
            );
            assert!(start.elapsed() < Duration::from_secs(1));
            q.put(&43).unwrap();
            assert_eq!(q.get().unwrap(), 43);
        }
    }

    #[test]
    fn items_at_the_inline_limit_and_one_byte_over_take_their_own_paths() {
        // postcard writes a Vec<u8> of this size as 2 length bytes, then the bytes.
        let at_limit = wire::INLINE_MAX - 8 - 2;
        for (n, inline) in [(at_limit, true), (at_limit + 1, false)] {
            let item = vec![(n % 251) as u8; n];
            let bytes = postcard::to_stdvec(&item).unwrap();
            let frame = Outgoing::new(&bytes).unwrap();
            assert_eq!(matches!(frame, Outgoing::Inline(_)), inline, "{n}");
            let q = Queue::<Vec<u8>>::new().unwrap();
            q.put(&item).unwrap();
            q.put(&vec![1]).unwrap();
            assert_eq!(q.get().unwrap(), item);
            assert_eq!(q.get().unwrap(), [1]);
        }
    }

    #[test]
    fn thousands_of_small_puts_go_straight_into_the_socket_and_100k_never_block() {
        let q = Queue::<u64>::new().unwrap();
        // The raised send buffer holds them all: no feeder thread yet.
        for i in 0..5_000 {
            q.put(&i).unwrap();
        }
        assert!(q.inner.feeder.lock().unwrap().is_none());
        // Far more than the socket holds, before anybody reads: `put`
        // never waits; the feeder holds the rest.
        let start = Instant::now();
        for i in 5_000..100_000 {
            q.put(&i).unwrap();
        }
        assert!(start.elapsed() < Duration::from_secs(5));
        assert_eq!(q.qsize(), 100_000);
        for i in 0..100_000 {
            assert_eq!(q.get_timeout(Duration::from_secs(5)).unwrap(), i);
        }
        assert!(q.empty());
        assert!(q.try_get().unwrap().is_none());
    }

    #[test]
    fn consumers_racing_each_take_every_item_exactly_once() {
        const ITEMS: u32 = 20_000;
        let q = Queue::<u32>::new().unwrap();
        let consumers: Vec<_> = (0..4)
            .map(|k| {
                let q = q.clone();
                std::thread::spawn(move || {
                    let mut got = Vec::new();
                    // Some wait in `recvmsg`, some poll with a deadline.
                    loop {
                        let item = if k % 2 == 0 {
                            q.get().unwrap()
                        } else {
                            q.get_timeout(Duration::from_secs(10)).unwrap()
                        };
                        if item == u32::MAX {
                            return got;
                        }
                        got.push(item);
                    }
                })
            })
            .collect();
        for i in 0..ITEMS {
            q.put(&i).unwrap();
        }
        for _ in 0..4 {
            q.put(&u32::MAX).unwrap();
        }
        let mut all = Vec::new();
        for c in consumers {
            let got = c.join().unwrap();
            // Each consumer sees one producer's items in order.
            assert!(got.windows(2).all(|w| w[0] < w[1]));
            all.extend(got);
        }
        all.sort_unstable();
        assert_eq!(all, (0..ITEMS).collect::<Vec<_>>());
        // One item, many takers: exactly one gets it.
        for _ in 0..20 {
            let takers: Vec<_> = (0..3)
                .map(|_| {
                    let q = q.clone();
                    std::thread::spawn(move || q.get_timeout(Duration::from_millis(300)).ok())
                })
                .collect();
            q.put(&7).unwrap();
            let got: Vec<_> = takers
                .into_iter()
                .filter_map(|t| t.join().unwrap())
                .collect();
            assert_eq!(got, [7]);
        }
    }

    #[test]
    fn items_bigger_than_a_frame_keep_their_order_among_small_ones() {
        let q = Queue::<Vec<u8>>::new().unwrap();
        let sizes = [1, wire::INLINE_MAX, 100, 1 << 20, 0, wire::INLINE_MAX - 9];
        for (i, &n) in sizes.iter().enumerate() {
            q.put(&vec![i as u8; n]).unwrap();
        }
        for (i, &n) in sizes.iter().enumerate() {
            assert_eq!(q.get().unwrap(), vec![i as u8; n]);
        }
    }

    #[test]
    fn a_queue_cannot_be_serialized_outside_a_process_argument() {
        let q = Queue::<u8>::new().unwrap();
        // Its descriptors mean something only to a child that inherits them.
        assert!(postcard::to_stdvec(&q).is_err());
    }
}
