//! The feeder: a thread per queue and process that writes the items `put`
//! could not write at once, so that `put` never waits (Python's queue has
//! the same thread, for the same reason).
//!
//! A socket holds about 10,000 small items (fewer big ones); a program that
//! puts 100,000 before any consumer starts would otherwise stop there. The
//! feeder keeps the rest in memory (a `crossbeam-channel`, unbounded) and
//! writes each as soon as the socket has room, in the order they were put.
//!
//! When the process ends (`common::main` returning, or a child's target),
//! it waits until its feeders have written everything, as Python does: an
//! item put is an item delivered, as long as somebody reads.
//!
//! The feeder threads do not stop the `fork` start method: a forked child
//! runs only its target, with queues rebuilt from its arguments, and never
//! touches the parent's feeders or their buffers (see `process/start.rs`).

use super::Ends;
use super::wire::{BATCH, Outgoing, Sent, try_send_many};
use crate::{Error, Result};
use crossbeam_channel::{Receiver, Sender, unbounded};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

/// The name the feeder threads carry (the fork start method counts threads
/// and leaves these out).
pub(crate) const THREAD_NAME: &str = "cookbook-feeder";

/// One queue's feeder, as its queue handles see it.
pub(crate) struct Feeder {
    tx: Sender<Outgoing>,
    pub(crate) state: Arc<FeederState>,
}

/// What the feeder and the rest of the process share.
pub(crate) struct FeederState {
    /// Items handed to the feeder and not yet written.
    pending: AtomicUsize,
    /// The first error the feeder met, reported by the next `put`.
    failed: Mutex<Option<Error>>,
    /// Set by `cancel_join_thread`: nobody waits for this feeder any more
    /// (shared with the queue's handles, which may set it before the
    /// feeder starts).
    cancelled: Arc<AtomicBool>,
}

/// Every feeder this process started, for the flush at exit. Only threads
/// other than the feeders take this lock, so a `fork` (made from the one
/// thread that is not a feeder) never copies it locked.
static FEEDERS: Mutex<Vec<Weak<FeederState>>> = Mutex::new(Vec::new());

impl Feeder {
    pub(crate) fn start(ends: Arc<Ends>, cancelled: Arc<AtomicBool>) -> Result<Feeder> {
        let (tx, rx) = unbounded();
        let state = Arc::new(FeederState {
            pending: AtomicUsize::new(0),
            failed: Mutex::new(None),
            cancelled,
        });
        let for_thread = state.clone();
        std::thread::Builder::new()
            .name(THREAD_NAME.into())
            .spawn(move || feed(&ends, &rx, &for_thread))
            .map_err(|e| Error::new(format!("cannot start a queue's feeder thread: {e}")))?;
        let mut feeders = FEEDERS.lock().unwrap_or_else(|p| p.into_inner());
        feeders.retain(|f| f.strong_count() > 0);
        feeders.push(Arc::downgrade(&state));
        Ok(Feeder { tx, state })
    }

    /// Hands a frame to the feeder.
    pub(crate) fn send(&self, frame: Outgoing) -> Result<()> {
        self.state.pending.fetch_add(1, Ordering::AcqRel);
        self.tx.send(frame).map_err(|_| {
            self.state.pending.fetch_sub(1, Ordering::AcqRel);
            Error::new("the queue's feeder thread has stopped")
        })
    }
}

impl FeederState {
    pub(crate) fn pending(&self) -> usize {
        self.pending.load(Ordering::Acquire)
    }

    pub(crate) fn take_error(&self) -> Option<Error> {
        self.failed.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    /// Waits until everything handed to the feeder is written, unless
    /// `cancel_join_thread` was called (then the rest may be lost).
    pub(crate) fn flush(&self) {
        let mut nap = Duration::from_micros(50);
        while self.pending() > 0 && !self.cancelled.load(Ordering::Acquire) {
            std::thread::sleep(nap);
            nap = (nap * 2).min(Duration::from_millis(5));
        }
    }
}

// ANCHOR: feed
/// The feeder's life: write each frame as soon as the socket has room,
/// until every handle on the queue in this process is gone and the
/// buffer is empty. Small frames waiting together go out together, each
/// still one message, in one `sendmmsg` of up to [`BATCH`]: a producer
/// that runs ahead of its consumers then costs one system call per batch,
/// not per item.
fn feed(ends: &Ends, rx: &Receiver<Outgoing>, state: &FeederState) {
    let mut next: Option<Outgoing> = None;
    let mut batch: Vec<Vec<u8>> = Vec::with_capacity(BATCH);
    loop {
        let first = match next.take() {
            Some(frame) => frame,
            None => match rx.recv() {
                Ok(frame) => frame,
                Err(_) => break,
            },
        };
        let Outgoing::Inline(bytes) = first else {
            send_one(ends, &first, state);
            continue;
        };
        batch.clear();
        batch.push(bytes);
        while batch.len() < BATCH {
            match rx.try_recv() {
                Ok(Outgoing::Inline(more)) => batch.push(more),
                Ok(other) => {
                    next = Some(other);
                    break;
                }
                Err(_) => break,
            }
        }
        let mut sent = 0;
        while sent < batch.len() {
            match try_send_many(ends.writer.as_fd(), &batch[sent..]) {
                // No room: wait until readers make some, holding no lock.
                Ok(0) => wait_writable(ends),
                Ok(n) => {
                    sent += n;
                    state.pending.fetch_sub(n, Ordering::AcqRel);
                }
                Err(e) => {
                    drop_items(ends, state, batch.len() - sent, e);
                    break;
                }
            }
        }
    }
}
// ANCHOR_END: feed

/// Sends one frame (a big item's), waiting for room as long as it takes.
fn send_one(ends: &Ends, frame: &Outgoing, state: &FeederState) {
    loop {
        match ends.try_put(frame) {
            Ok(Sent::Whole) => break,
            Ok(Sent::NoRoom) => wait_writable(ends),
            Ok(Sent::TooManyDescriptors) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return drop_items(ends, state, 1, e),
        }
    }
    state.pending.fetch_sub(1, Ordering::AcqRel);
}

/// As in Python, items that cannot be sent are dropped; the next put says
/// why.
fn drop_items(ends: &Ends, state: &FeederState, items: usize, e: Error) {
    ends.uncount_many(items);
    *state.failed.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
    state.pending.fetch_sub(items, Ordering::AcqRel);
}

/// Waits (at most a little while: room may come without a wake-up when
/// several processes write) until the queue's socket can take more.
pub(crate) fn wait_writable(ends: &Ends) {
    let mut fds = [PollFd::new(ends.writer.as_fd(), PollFlags::POLLOUT)];
    let _ = poll(&mut fds, PollTimeout::from(100u8));
}

/// Waits until every feeder of this process has written what it was
/// given: called as the process ends.
pub(crate) fn flush_all() {
    let feeders: Vec<Arc<FeederState>> = FEEDERS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .filter_map(Weak::upgrade)
        .collect();
    for feeder in feeders {
        feeder.flush();
    }
}

/// In a forked child: the parent's feeders are not ours to wait for.
pub(crate) fn forget_all() {
    FEEDERS.lock().unwrap_or_else(|p| p.into_inner()).clear();
}
