//! The feeder: a thread per queue and process that writes the items `put`
//! could not write at once, so that `put` never waits (Python's queue has
//! the same thread, for the same reason).
//!
//! A socket holds a few hundred small items; a program that puts 10,000
//! before any consumer starts would otherwise stop on its 300th `put`. The
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
use super::wire::{INLINE_MAX, Outgoing, Sent};
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
/// buffer is empty. Small frames waiting together go out together, in one
/// `send` of at most [`INLINE_MAX`] bytes (still all or nothing, see
/// `wire.rs`): a producer that runs ahead of its consumers then costs one
/// system call per batch, not per item.
fn feed(ends: &Ends, rx: &Receiver<Outgoing>, state: &FeederState) {
    let mut next: Option<Outgoing> = None;
    let mut batch: Vec<u8> = Vec::new();
    loop {
        let first = match next.take() {
            Some(frame) => frame,
            None => match rx.recv() {
                Ok(frame) => frame,
                Err(_) => break,
            },
        };
        let (frame, items) = match first {
            Outgoing::Inline(bytes) => {
                batch.clear();
                batch.extend_from_slice(&bytes);
                let mut items = 1;
                while let Ok(more) = rx.try_recv() {
                    match more {
                        Outgoing::Inline(b) if batch.len() + b.len() <= INLINE_MAX => {
                            batch.extend_from_slice(&b);
                            items += 1;
                        }
                        other => {
                            next = Some(other);
                            break;
                        }
                    }
                }
                (Outgoing::Inline(std::mem::take(&mut batch)), items)
            }
            other => (other, 1),
        };
        loop {
            match ends.try_put(&frame) {
                Ok(Sent::Whole) => break,
                // No room: wait until readers make some, holding no lock.
                Ok(Sent::NoRoom) => wait_writable(ends),
                Ok(Sent::TooManyDescriptors) => std::thread::sleep(Duration::from_millis(5)),
                Ok(Sent::Partial(_)) => unreachable!("try_put finishes partial frames"),
                Err(e) => {
                    // As in Python, the items are dropped; the next put says why.
                    for _ in 0..items {
                        ends.uncount();
                    }
                    *state.failed.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                    break;
                }
            }
        }
        if let Outgoing::Inline(bytes) = frame {
            batch = bytes;
        }
        state.pending.fetch_sub(items, Ordering::AcqRel);
    }
}
// ANCHOR_END: feed

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
