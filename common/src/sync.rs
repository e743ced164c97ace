//! Synchronisation between processes: `Lock`, `RLock`, `Semaphore` (and
//! bounded), `Event`, `Condition`, `Barrier`, and the shared `Value` and
//! `Array`, the counterparts of Python's `multiprocessing` ones.
//!
//! Each lives in a small block of [`SharedMemory`] (a memfd: nothing in
//! `/dev/shm`, nothing to leave behind) and is built from primitives that
//! survive a process being killed while it uses them:
//!
//! - mutexes marked *process-shared* and *robust*: if a process dies holding
//!   one, the next process to take it is told (a [`Kind::OwnerDied`] error
//!   from `Lock`, `RLock`, `Condition`, `Value` and `Array`), instead of
//!   waiting for ever; the lock is then free again;
//! - for waiting (`Event`, `Condition`, `Barrier`), a *futex*: a 32-bit
//!   sequence number in the block that waiters sleep on and notifiers bump.
//!   A process killed while it sleeps on it leaves nothing behind, unlike
//!   glibc's process-shared condition variables, whose internal count of
//!   waiters a killed waiter leaves raised (later wake-ups can then hang);
//! - unnamed semaphores created with `pshared = 1`.
//!
//! Timed waits measure time on the monotonic clock, so setting the wall
//! clock does not stretch or cut them.
//!
//! Give one to a child as (part of) a `Process` argument; clone it to keep
//! a handle yourself.
//!
//! [`Kind::OwnerDied`]: crate::Kind::OwnerDied

use crate::shm::{RawMutex, SharedMemory, Taken, deadline_on, remaining};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::marker::PhantomData;
use std::mem::size_of;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------
// The pieces: robust mutexes and a futex, in shared memory.

/// A handle on a block's mutex.
fn attached(m: *mut libc::pthread_mutex_t) -> RawMutex {
    // SAFETY: every mutex of a block is initialised when the block is made,
    // and the block outlives the calls that use the handle.
    unsafe { RawMutex::attach(m.cast()) }
}

/// Takes a robust mutex of a block; `Ok(None)` if the deadline passed first.
fn lock_mutex(m: *mut libc::pthread_mutex_t, deadline: Option<Instant>) -> Result<Option<Taken>> {
    attached(m).lock(remaining(deadline))
}

fn unlock_mutex(m: *mut libc::pthread_mutex_t) {
    attached(m).unlock();
}

/// What the next taker of a lock whose holder died is told.
fn owner_died() -> Error {
    Error::owner_died("a process died holding the lock: what it guards may be half-updated")
}

/// Takes a lock that guards the user's data; `Ok(false)` if the deadline
/// passed first. If its holder died, the data may be half-updated: say so,
/// and leave the lock free (it has been made consistent) for the next try.
fn take_user_lock(m: *mut libc::pthread_mutex_t, deadline: Option<Instant>) -> Result<bool> {
    match lock_mutex(m, deadline)? {
        None => Ok(false),
        Some(Taken::Ok) => Ok(true),
        Some(Taken::OwnerDied) => {
            unlock_mutex(m);
            Err(owner_died())
        }
    }
}

/// Sleeps while `*word == expected`, at most `timeout`. Returns when woken,
/// when the word differs already, on a signal or on timeout: callers check
/// what they wait for again, whichever it was.
pub(crate) fn futex_wait(word: &AtomicU32, expected: u32, timeout: Option<Duration>) -> Result<()> {
    // A year is as good as for ever, and keeps the seconds in range.
    let relative = timeout.map(|t| {
        let t = t.min(Duration::from_secs(365 * 24 * 3600));
        libc::timespec {
            tv_sec: t.as_secs() as libc::time_t,
            tv_nsec: t.subsec_nanos() as libc::c_long,
        }
    });
    let ts = relative
        .as_ref()
        .map_or(std::ptr::null(), |t| t as *const libc::timespec);
    // SAFETY: `word` is a live, aligned 32-bit word (in shared memory, hence
    // no FUTEX_PRIVATE_FLAG); FUTEX_WAIT reads it and takes a relative
    // timeout, measured on CLOCK_MONOTONIC, or null for none.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAIT,
            expected,
            ts,
            std::ptr::null::<u32>(),
            0u32,
        )
    };
    if rc == 0 {
        return Ok(());
    }
    let e = std::io::Error::last_os_error();
    match e.raw_os_error() {
        // Changed already, a signal, or the time is up.
        Some(libc::EAGAIN | libc::EINTR | libc::ETIMEDOUT) => Ok(()),
        _ => Err(Error::new(format!("futex wait: {e}"))),
    }
}

/// Wakes at most `n` processes sleeping on `word`.
pub(crate) fn futex_wake(word: &AtomicU32, n: i32) {
    // SAFETY: as in `futex_wait`; FUTEX_WAKE only reads the address.
    unsafe { libc::syscall(libc::SYS_futex, word.as_ptr(), libc::FUTEX_WAKE, n) };
}

/// Bumps the sequence number and wakes up to `n` of its sleepers. Called
/// with the mutex held, so a waiter between reading the number and going
/// to sleep sees the change and does not sleep.
fn notify_seq(seq: &AtomicU32, n: i32) {
    seq.fetch_add(1, Ordering::Release);
    futex_wake(seq, n);
}

/// The condition-variable wait, on a futex: holding `m`, notes the sequence
/// number, releases `m`, sleeps until the number changes (at most
/// `timeout`), and takes `m` again. A process killed while it sleeps
/// leaves no trace. Spurious returns happen: check in a loop.
///
/// On `Err` the mutex is held, unless taking it again is what failed.
fn wait_seq(
    seq: &AtomicU32,
    m: *mut libc::pthread_mutex_t,
    timeout: Option<Duration>,
) -> Result<Taken> {
    let seen = seq.load(Ordering::Acquire);
    unlock_mutex(m);
    let slept = futex_wait(seq, seen, timeout);
    let taken = lock_mutex(m, None)?.unwrap_or(Taken::Ok);
    slept.map(|()| taken)
}

/// The shorter of the time left and `slice`.
fn slice_of(deadline: Option<Instant>, slice: Duration) -> Duration {
    remaining(deadline).map_or(slice, |left| left.min(slice))
}

fn expired(deadline: Option<Instant>) -> bool {
    deadline.is_some_and(|d| Instant::now() >= d)
}

// ---------------------------------------------------------------------------
// A typed block of shared memory.

/// Shared memory holding one `S`, set up by `init` in the creating process.
struct Block<S> {
    mem: Arc<SharedMemory>,
    _state: PhantomData<S>,
}

impl<S> Clone for Block<S> {
    fn clone(&self) -> Self {
        Block {
            mem: self.mem.clone(),
            _state: PhantomData,
        }
    }
}

impl<S> Block<S> {
    fn new(extra: usize, init: impl FnOnce(*mut S) -> Result<()>) -> Result<Block<S>> {
        let mem = SharedMemory::new(size_of::<S>() + extra)?;
        init(mem.as_ptr().cast::<S>())?;
        Ok(Block {
            mem: Arc::new(mem),
            _state: PhantomData,
        })
    }

    fn ptr(&self) -> *mut S {
        self.mem.as_ptr().cast()
    }
}

impl<S> Serialize for Block<S> {
    fn serialize<Z: serde::Serializer>(&self, s: Z) -> std::result::Result<Z::Ok, Z::Error> {
        self.mem.serialize(s)
    }
}

impl<'de, S> Deserialize<'de> for Block<S> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Ok(Block {
            mem: Arc::new(SharedMemory::deserialize(d)?),
            _state: PhantomData,
        })
    }
}

/// The address of a field of a block's state, without making a reference
/// to shared memory that other processes write.
macro_rules! field {
    ($block:expr, $field:ident) => {
        // SAFETY: the block holds an initialised state of its type, mapped
        // for as long as the block lives; this only computes an address.
        unsafe { std::ptr::addr_of_mut!((*$block.ptr()).$field) }
    };
}

/// A block's futex word, as the atomic it is.
macro_rules! seq {
    ($block:expr) => {{
        let seq: *mut AtomicU32 = field!($block, seq);
        // SAFETY: an aligned u32 of the mapped state, only ever used
        // atomically, by every process: a shared reference is sound.
        unsafe { &*seq }
    }};
}

/// Initialises the robust mutex of a fresh state.
///
/// # Safety
/// `m` must point into fresh shared memory that nothing else uses yet.
unsafe fn init_mutex(m: *mut libc::pthread_mutex_t, recursive: bool) -> Result<()> {
    // SAFETY: the caller's promise, passed on.
    unsafe { RawMutex::init_kind(m.cast(), recursive).map(drop) }
}

// ---------------------------------------------------------------------------
// Lock and RLock.

#[repr(C)]
struct MutexState {
    mutex: libc::pthread_mutex_t,
    /// How many times the lock is held (more than once only for an
    /// `RLock`): what `locked()` reads, without touching the mutex.
    held: AtomicU32,
}

/// Python's `multiprocessing.Lock`: one holder at a time, across processes.
/// `acquire` returns a guard; dropping it releases the lock (Python's
/// `with lock:`).
///
/// If a process dies holding the lock, the next `acquire` fails with a
/// [`Kind::OwnerDied`](crate::Kind::OwnerDied) error (what the lock
/// protected may be half-done) and leaves the lock free: the one after
/// takes it normally.
#[derive(Clone, Serialize, Deserialize)]
pub struct Lock {
    block: Block<MutexState>,
}

/// Python's `multiprocessing.RLock`: a lock its holder may take again; it
/// is free once released as many times as it was taken. A holder's death
/// is reported as for [`Lock`].
#[derive(Clone, Serialize, Deserialize)]
pub struct RLock {
    block: Block<MutexState>,
}

/// Held while it lives: the lock is released when it is dropped.
///
/// A guard stays in the thread that took the lock (a POSIX mutex must be
/// released by the thread that locked it), so it is not `Send`:
///
/// ```compile_fail,E0277
/// fn send<T: Send>(_: T) {}
/// fn check(lock: &common::Lock) -> common::Result<()> {
///     send(lock.acquire()?);
///     Ok(())
/// }
/// ```
pub struct LockGuard<'a> {
    mutex: *mut libc::pthread_mutex_t,
    held: &'a AtomicU32,
}

impl Drop for LockGuard<'_> {
    fn drop(&mut self) {
        self.held.fetch_sub(1, Ordering::AcqRel);
        unlock_mutex(self.mutex);
    }
}

fn new_mutex_block(recursive: bool) -> Result<Block<MutexState>> {
    Block::new(0, |s: *mut MutexState| {
        // SAFETY: fresh shared memory of the right size.
        unsafe { init_mutex(std::ptr::addr_of_mut!((*s).mutex), recursive) }
    })
}

/// The holding count of a lock's block.
fn held_of(block: &Block<MutexState>) -> &AtomicU32 {
    let held: *mut AtomicU32 = field!(block, held);
    // SAFETY: an aligned u32 of the mapped state, only ever used
    // atomically, by every process; it lives as long as the block.
    unsafe { &*held }
}

/// Takes a `Lock` or `RLock`: waiting until `deadline` (for ever if
/// `None`), or not at all with `now`. As `take_user_lock` if the holder
/// died, and then the holding count it left is cleared.
fn acquire_in(
    block: &Block<MutexState>,
    deadline: Option<Instant>,
    now: bool,
) -> Result<Option<LockGuard<'_>>> {
    let mutex = field!(block, mutex);
    let held = held_of(block);
    let taken = if now {
        attached(mutex).try_lock()?
    } else {
        lock_mutex(mutex, deadline)?
    };
    match taken {
        None => Ok(None),
        Some(Taken::Ok) => {
            held.fetch_add(1, Ordering::AcqRel);
            Ok(Some(LockGuard { mutex, held }))
        }
        Some(Taken::OwnerDied) => {
            held.store(0, Ordering::Release);
            unlock_mutex(mutex);
            Err(owner_died())
        }
    }
}

macro_rules! lock_methods {
    ($ty:ident, $recursive:expr) => {
        impl $ty {
            /// A new lock, free.
            pub fn new() -> Result<$ty> {
                Ok($ty {
                    block: new_mutex_block($recursive)?,
                })
            }

            /// Waits until the lock is free, and takes it. Fails with
            /// [`Kind::OwnerDied`](crate::Kind::OwnerDied) if its last
            /// holder died holding it (the lock is then free).
            pub fn acquire(&self) -> Result<LockGuard<'_>> {
                let _wait = crate::timeline::blocked("lock");
                acquire_in(&self.block, None, false)?
                    .ok_or_else(|| Error::new("a lock wait with no deadline timed out"))
            }

            /// Takes the lock if it becomes free within `timeout`
            /// (Python's `acquire(timeout=t)`); `Ok(None)` if it did not.
            /// As [`acquire`](Self::acquire) if its last holder died.
            /// Python's negative timeout (wait for ever) has no
            /// `Duration`: use [`acquire`](Self::acquire).
            pub fn acquire_timeout(&self, timeout: Duration) -> Result<Option<LockGuard<'_>>> {
                let _wait = crate::timeline::blocked("lock");
                acquire_in(&self.block, Some(Instant::now() + timeout), false)
            }

            /// Takes the lock if it is free now, without waiting at all
            /// (Python's `acquire(block=False)`); `Ok(None)` if it is held.
            /// As [`acquire`](Self::acquire) if its last holder died.
            pub fn try_acquire(&self) -> Result<Option<LockGuard<'_>>> {
                acquire_in(&self.block, None, true)
            }

            /// Whether some process (this one included) holds the lock now
            /// (Python 3.14's `locked()`); out of date as soon as read. A
            /// lock whose holder died reads as held until the next
            /// `acquire` reports the death (where Python's would stay held
            /// for ever).
            pub fn locked(&self) -> bool {
                held_of(&self.block).load(Ordering::Acquire) != 0
            }
        }
    };
}

lock_methods!(Lock, false);
lock_methods!(RLock, true);

// ---------------------------------------------------------------------------
// Semaphore and BoundedSemaphore.

#[repr(C)]
struct SemState {
    /// Makes a bounded release's check and post one step.
    release: libc::pthread_mutex_t,
    sem: libc::sem_t,
}

// glibc 2.30+: the timed waits on a clock of our choosing. The `libc`
// crate does not declare them (yet).
unsafe extern "C" {
    fn sem_clockwait(
        sem: *mut libc::sem_t,
        clock: libc::clockid_t,
        abstime: *const libc::timespec,
    ) -> libc::c_int;
}

/// Python's `multiprocessing.Semaphore`: a counter that `acquire` takes one
/// from, waiting while it is 0, and `release` gives one back. With a bound
/// (Python's `BoundedSemaphore`), releasing above the initial value is an
/// error: more releases than acquires is a bug worth hearing about.
#[derive(Clone, Serialize, Deserialize)]
pub struct Semaphore {
    block: Block<SemState>,
    bound: Option<u32>,
}

impl Semaphore {
    /// A semaphore with `value` to take (Python's `Semaphore(value)`).
    pub fn new(value: u32) -> Result<Semaphore> {
        Self::make(value, None)
    }

    /// Python's `BoundedSemaphore(value)`.
    pub fn bounded(value: u32) -> Result<Semaphore> {
        Self::make(value, Some(value))
    }

    fn make(value: u32, bound: Option<u32>) -> Result<Semaphore> {
        let block = Block::new(0, |s: *mut SemState| {
            // SAFETY: fresh shared memory laid out as `SemState`; pshared = 1
            // makes the semaphore usable across processes.
            let rc = unsafe {
                init_mutex(std::ptr::addr_of_mut!((*s).release), false)?;
                libc::sem_init(std::ptr::addr_of_mut!((*s).sem), 1, value)
            };
            if rc == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error().into())
            }
        })?;
        Ok(Semaphore { block, bound })
    }

    fn sem(&self) -> *mut libc::sem_t {
        field!(self.block, sem)
    }

    /// Takes one, waiting as long as it takes.
    pub fn acquire(&self) -> Result<()> {
        self.acquire_until(None).map(|_| ())
    }

    /// Takes one if one becomes free within `timeout`.
    pub fn acquire_timeout(&self, timeout: Duration) -> Result<bool> {
        self.acquire_until(Some(Instant::now() + timeout))
    }

    fn acquire_until(&self, deadline: Option<Instant>) -> Result<bool> {
        let _wait = crate::timeline::blocked("semaphore");
        loop {
            let rc = match remaining(deadline) {
                // SAFETY: an initialised process-shared semaphore.
                None => unsafe { libc::sem_wait(self.sem()) },
                Some(timeout) => {
                    let at = deadline_on(libc::CLOCK_MONOTONIC, timeout);
                    // SAFETY: as above; `at` is a valid timespec on that clock.
                    unsafe { sem_clockwait(self.sem(), libc::CLOCK_MONOTONIC, &at) }
                }
            };
            if rc == 0 {
                return Ok(true);
            }
            let e = std::io::Error::last_os_error();
            match e.raw_os_error() {
                Some(libc::EINTR) => continue,
                Some(libc::ETIMEDOUT) => return Ok(false),
                _ => return Err(e.into()),
            }
        }
    }

    /// Gives one back. A bounded semaphore refuses to go above its bound.
    pub fn release(&self) -> Result<()> {
        let Some(bound) = self.bound else {
            return self.post();
        };
        // Two releasers could both see room for one and both post: the check
        // and the post are one step under this lock. Acquirers only lower the
        // count meanwhile, which cannot break the bound.
        let mutex = field!(self.block, release);
        // A releaser that died holding it either posted or did not: the
        // count is whole either way, so its death does not matter here.
        lock_mutex(mutex, None)?;
        let result = if self.value() >= bound {
            Err(Error::new(format!(
                "semaphore released too many times (its bound is {bound})"
            )))
        } else {
            self.post()
        };
        unlock_mutex(mutex);
        result
    }

    fn post(&self) -> Result<()> {
        // SAFETY: an initialised process-shared semaphore.
        if unsafe { libc::sem_post(self.sem()) } != 0 {
            return Err(std::io::Error::last_os_error().into());
        }
        Ok(())
    }

    /// The current count (Python's `get_value()`).
    pub fn value(&self) -> u32 {
        let mut value = 0;
        // SAFETY: as above; `value` is ours.
        unsafe { libc::sem_getvalue(self.sem(), &mut value) };
        value.max(0) as u32
    }
}

// ---------------------------------------------------------------------------
// Event.

#[repr(C)]
struct EventState {
    mutex: libc::pthread_mutex_t,
    seq: AtomicU32,
    flag: u32,
}

/// Python's `multiprocessing.Event`: a flag that processes can wait for.
#[derive(Clone, Serialize, Deserialize)]
pub struct Event {
    block: Block<EventState>,
}

impl Event {
    /// An event, not set (Python's `Event()`).
    pub fn new() -> Result<Event> {
        let block = Block::new(0, |s: *mut EventState| {
            // SAFETY: fresh shared memory laid out as `EventState` (zeroed:
            // the flag is clear and the sequence number 0).
            unsafe { init_mutex(std::ptr::addr_of_mut!((*s).mutex), false) }
        })?;
        Ok(Event { block })
    }

    /// Runs `f` on the flag with the mutex held. A holder that died leaves
    /// nothing half-done: the flag is one word.
    fn with<T>(&self, f: impl FnOnce(*mut u32) -> T) -> Result<T> {
        lock_mutex(field!(self.block, mutex), None)?;
        let result = f(field!(self.block, flag));
        unlock_mutex(field!(self.block, mutex));
        Ok(result)
    }

    /// Sets the flag and wakes every waiter.
    pub fn set(&self) -> Result<()> {
        self.with(|flag| {
            // SAFETY: we hold the event's mutex, which guards the flag.
            unsafe { *flag = 1 };
            notify_seq(seq!(self.block), i32::MAX);
        })
    }

    /// Clears the flag: waiters from now on wait (Python's `clear()`).
    pub fn clear(&self) -> Result<()> {
        // SAFETY: as in `set`.
        self.with(|flag| unsafe { *flag = 0 })
    }

    /// Whether the flag is set (Python's `is_set()`).
    pub fn is_set(&self) -> Result<bool> {
        // SAFETY: as in `set`.
        self.with(|flag| unsafe { *flag != 0 })
    }

    /// Waits until the flag is set, at most `timeout` (for ever if `None`);
    /// returns whether it is set.
    pub fn wait(&self, timeout: Option<Duration>) -> Result<bool> {
        let _wait = crate::timeline::blocked("event");
        let deadline = timeout.map(|t| Instant::now() + t);
        let (mutex, flag) = (field!(self.block, mutex), field!(self.block, flag));
        lock_mutex(mutex, None)?;
        let set = loop {
            // SAFETY: the flag is read with the mutex held.
            if unsafe { *flag } != 0 {
                break true;
            }
            if expired(deadline) {
                break false;
            }
            if let Err(e) = wait_seq(seq!(self.block), mutex, remaining(deadline)) {
                unlock_mutex(mutex);
                return Err(e);
            }
        };
        unlock_mutex(mutex);
        Ok(set)
    }
}

// ---------------------------------------------------------------------------
// Condition.

#[repr(C)]
struct CondState {
    mutex: libc::pthread_mutex_t,
    seq: AtomicU32,
}

/// Python's `multiprocessing.Condition`: a lock, and a way to wait, holding
/// it, until another process says something changed.
///
/// The lock guards the user's data, so a holder's death is reported as for
/// [`Lock`]: `acquire` fails with
/// [`Kind::OwnerDied`](crate::Kind::OwnerDied) and leaves the lock free.
#[derive(Clone, Serialize, Deserialize)]
pub struct Condition {
    block: Block<CondState>,
}

/// The condition's lock, held; `wait` releases it while waiting. Not
/// `Send`, as [`LockGuard`]:
///
/// ```compile_fail,E0277
/// fn send<T: Send>(_: T) {}
/// fn check(condition: &common::Condition) -> common::Result<()> {
///     send(condition.acquire()?);
///     Ok(())
/// }
/// ```
pub struct ConditionGuard<'a> {
    condition: &'a Condition,
    _not_send: PhantomData<*const ()>,
}

impl Condition {
    /// A new condition, with a lock of its own.
    pub fn new() -> Result<Condition> {
        let block = Block::new(0, |s: *mut CondState| {
            // SAFETY: fresh shared memory laid out as `CondState`.
            unsafe { init_mutex(std::ptr::addr_of_mut!((*s).mutex), false) }
        })?;
        Ok(Condition { block })
    }

    /// Takes the condition's lock (Python's `with condition:`).
    pub fn acquire(&self) -> Result<ConditionGuard<'_>> {
        take_user_lock(field!(self.block, mutex), None)?;
        Ok(ConditionGuard {
            condition: self,
            _not_send: PhantomData,
        })
    }
}

impl ConditionGuard<'_> {
    /// Releases the lock, waits for a notification (at most `timeout`),
    /// takes the lock again. Returns false on timeout. As with every
    /// condition variable, check what you are waiting for in a loop: a
    /// wake-up may come without it.
    ///
    /// If a process died holding the lock meanwhile, this fails with
    /// [`Kind::OwnerDied`](crate::Kind::OwnerDied); the guard holds the lock
    /// again all the same.
    pub fn wait(&mut self, timeout: Option<Duration>) -> Result<bool> {
        let _wait = crate::timeline::blocked("condition");
        let block = &self.condition.block;
        let deadline = timeout.map(|t| Instant::now() + t);
        match wait_seq(seq!(block), field!(block, mutex), timeout)? {
            Taken::Ok => Ok(!expired(deadline)),
            Taken::OwnerDied => Err(owner_died()),
        }
    }

    /// Waits until `predicate` is true, as long as it takes (`timeout`
    /// `None`) or at most `timeout` in all (Python's `wait_for`). Checks
    /// the predicate first, without waiting, and after each wake-up, with
    /// the lock held; returns its last value: `false` only if the time ran
    /// out. An error from the predicate (a [`Value`] read, say) is
    /// returned as is, with the lock still held.
    ///
    /// ```no_run
    /// # fn f(cond: &common::Condition, ready: &common::Value<u32>) -> common::Result<()> {
    /// // Python: with cond: ok = cond.wait_for(lambda: ready.value > 0, timeout=1.0)
    /// let mut guard = cond.acquire()?;
    /// let ok = guard.wait_for(|| Ok(ready.get()? > 0), Some(std::time::Duration::from_secs(1)))?;
    /// # Ok(()) }
    /// ```
    pub fn wait_for(
        &mut self,
        mut predicate: impl FnMut() -> Result<bool>,
        timeout: Option<Duration>,
    ) -> Result<bool> {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut result = predicate()?;
        while !result {
            let left = remaining(deadline);
            if left.is_some_and(|left| left.is_zero()) {
                break;
            }
            self.wait(left)?;
            result = predicate()?;
        }
        Ok(result)
    }

    /// Wakes one waiter (Python's `notify()`).
    pub fn notify(&self) {
        notify_seq(seq!(self.condition.block), 1);
    }

    /// Wakes at most `n` waiters (Python's `notify(n)`). As with every
    /// condition variable, a waiter that was just about to sleep may wake
    /// as well.
    pub fn notify_n(&self, n: usize) {
        if n == 0 {
            // Python's notify(0) wakes nobody: not even a waiter about to sleep.
            return;
        }
        notify_seq(
            seq!(self.condition.block),
            i32::try_from(n).unwrap_or(i32::MAX),
        );
    }

    /// Wakes every waiter.
    pub fn notify_all(&self) {
        notify_seq(seq!(self.condition.block), i32::MAX);
    }
}

impl Drop for ConditionGuard<'_> {
    fn drop(&mut self) {
        unlock_mutex(field!(self.condition.block, mutex));
    }
}

// ---------------------------------------------------------------------------
// Barrier.

#[repr(C)]
struct BarrierState {
    mutex: libc::pthread_mutex_t,
    seq: AtomicU32,
    parties: u32,
    waiting: u32,
    /// Why it is broken: one of the `BROKEN_*`, or 0 while it is whole.
    broken: u32,
    /// With `BROKEN_DEAD`: the pid of the party that died.
    dead: i32,
    /// Whether `timeout_ns` is the default timeout of `wait(None)`.
    has_timeout: u32,
    /// Whether `action` is the offset of an action (see `with_options`).
    has_action: u32,
    generation: u64,
    /// Bit `g % 64` set: round `g` ended by a `reset`, not by passing, so
    /// its waiters fail. Kept for 64 rounds: a waiter takes at most
    /// `PARTY_CHECK` to notice its round has ended, far less than 64 rounds.
    resets: u64,
    timeout_ns: u64,
    /// The action, as an offset from a fixed function of the program, the
    /// same in every process (as a `Process`'s target travels).
    action: i64,
    // Then `parties` slots of `Party`: who has waited here.
}

const BROKEN_GAVE_UP: u32 = 1;
const BROKEN_DEAD: u32 = 2;
const BROKEN_DIED_INSIDE: u32 = 3;
const BROKEN_ACTION: u32 = 4;

/// A process that has waited at the barrier, and when it started (so a
/// recycled pid is not taken for it).
#[repr(C)]
#[derive(Clone, Copy)]
struct Party {
    pid: i32,
    start: u64,
}

/// How often a waiter looks for dead parties.
const PARTY_CHECK: Duration = Duration::from_millis(100);

/// A process's state letter and start time, from `/proc/<pid>/stat`.
fn proc_stat(pid: i32) -> Option<(char, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) state ...`: comm may hold anything, so split after the last ')'.
    let fields: Vec<&str> = stat
        .get(stat.rfind(')')? + 1..)?
        .split_whitespace()
        .collect();
    let state = fields.first()?.chars().next()?;
    // starttime is the stat's 22nd field; the state is its 3rd.
    let start = fields.get(19)?.parse().ok()?;
    Some((state, start))
}

/// This process, as a party.
fn me() -> Party {
    let pid = std::process::id() as i32;
    let start = proc_stat(pid).map_or(0, |(_, start)| start);
    Party { pid, start }
}

/// Whether a recorded party has ended: gone, a zombie its parent has not
/// reaped yet, or its pid now another process's.
fn has_died(party: Party) -> bool {
    match proc_stat(party.pid) {
        Some((state, start)) => {
            matches!(state, 'Z' | 'X') || (party.start != 0 && start != party.start)
        }
        // No /proc entry (or no /proc): ask the kernel.
        None => {
            // SAFETY: signal 0 only checks that the process exists.
            let rc = unsafe { libc::kill(party.pid, 0) };
            rc != 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
        }
    }
}

/// Python's `multiprocessing.Barrier(parties)`: each `wait` blocks until
/// `parties` processes are waiting, then all go on together.
///
/// A process that has waited at the barrier once is one of its parties. If
/// a party ends (killed, say) while others wait for it, or between rounds,
/// the barrier breaks, as when a wait times out: every wait, now and later,
/// fails (Python's `BrokenBarrierError`) instead of waiting for ever. So
/// give each set of processes a barrier of its own: one that was used by
/// processes that have since ended counts them as dead parties, until
/// [`reset`](Barrier::reset).
///
/// Every way a barrier breaks (a timeout, [`abort`](Barrier::abort),
/// [`reset`](Barrier::reset), a dead party, a panicking action) fails the
/// waits with a [`Kind::BrokenBarrier`](crate::Kind::BrokenBarrier) error.
#[derive(Clone, Serialize, Deserialize)]
pub struct Barrier {
    block: Block<BarrierState>,
}

impl Barrier {
    /// A barrier for `parties` processes (Python's `Barrier(parties)`);
    /// 0 parties is a usage error.
    pub fn new(parties: u32) -> Result<Barrier> {
        Self::with_options(parties, None, None)
    }

    /// A barrier whose `wait(None)` waits at most `timeout` (Python's
    /// `Barrier(parties, timeout=t)`); a `wait(Some(t))` still uses its own.
    pub fn with_timeout(parties: u32, timeout: Duration) -> Result<Barrier> {
        Self::with_options(parties, None, Some(timeout))
    }

    /// A barrier that runs `action` once per round (Python's
    /// `Barrier(parties, action)`): in the process that arrives last, after
    /// every party has arrived and before any is let go. If it panics, the
    /// barrier breaks: that process's `wait` and the others' fail with
    /// [`Kind::BrokenBarrier`](crate::Kind::BrokenBarrier).
    ///
    /// `action` must be a function of this program (not of a shared
    /// library), like a [`Process`](crate::Process)'s target: every process
    /// finds it at the same place relative to the program's code.
    ///
    /// ```no_run
    /// fn all_here() {
    ///     println!("everybody is here");
    /// }
    /// # fn main() -> common::Result<()> {
    /// let barrier = common::Barrier::with_action(3, all_here)?;
    /// # Ok(()) }
    /// ```
    pub fn with_action(parties: u32, action: fn()) -> Result<Barrier> {
        Self::with_options(parties, Some(action), None)
    }

    /// Python's full `Barrier(parties, action=None, timeout=None)`.
    pub fn with_options(
        parties: u32,
        action: Option<fn()>,
        timeout: Option<Duration>,
    ) -> Result<Barrier> {
        if parties == 0 {
            return Err(Error::usage("a barrier needs at least 1 party"));
        }
        let slots = size_of::<Party>() * parties as usize;
        let block = Block::new(slots, |s: *mut BarrierState| {
            // SAFETY: fresh, zeroed shared memory laid out as `BarrierState`
            // and its (empty: pid 0) slots.
            unsafe {
                init_mutex(std::ptr::addr_of_mut!((*s).mutex), false)?;
                (*s).parties = parties;
                if let Some(t) = timeout {
                    (*s).has_timeout = 1;
                    (*s).timeout_ns = u64::try_from(t.as_nanos()).unwrap_or(u64::MAX);
                }
                if let Some(action) = action {
                    (*s).has_action = 1;
                    (*s).action = crate::process::offset_of(action as usize) as i64;
                }
            }
            Ok(())
        })?;
        Ok(Barrier { block })
    }

    /// The default timeout and the action, set once at creation.
    fn options(&self) -> (Option<Duration>, Option<fn()>) {
        let state = self.block.ptr();
        // SAFETY: written once at creation, before the block was shared.
        let (has_timeout, ns, has_action, action) = unsafe {
            (
                (*state).has_timeout,
                (*state).timeout_ns,
                (*state).has_action,
                (*state).action,
            )
        };
        let timeout = (has_timeout != 0).then(|| Duration::from_nanos(ns));
        let action = (has_action != 0).then(|| {
            let addr = crate::process::address_of(action as isize);
            // SAFETY: the offset was taken from a `fn()` of this program
            // (see `with_action`), and every process runs the same program,
            // so the address is that function's here too.
            unsafe { std::mem::transmute::<usize, fn()>(addr) }
        });
        (timeout, action)
    }

    /// The party slots, after the state.
    fn slots(&self) -> *mut Party {
        // SAFETY: the block was made with room for `parties` slots there;
        // the state's size is a multiple of its alignment, which suits `Party`.
        unsafe { self.block.ptr().add(1).cast() }
    }

    /// Records this process as a party, if it is not one yet and a slot is
    /// free. Called with the mutex held.
    fn enrol(&self) {
        let me = me();
        for i in 0..self.parties() as usize {
            // SAFETY: slot `i` exists; slots are used with the mutex held.
            let slot = unsafe { &mut *self.slots().add(i) };
            if slot.pid == me.pid {
                return;
            }
            if slot.pid == 0 {
                *slot = me;
                return;
            }
        }
    }

    /// A recorded party that has died, if any. Called with the mutex held.
    fn dead_party(&self) -> Option<i32> {
        let mine = std::process::id() as i32;
        (0..self.parties() as usize)
            // SAFETY: as in `enrol`.
            .map(|i| unsafe { *self.slots().add(i) })
            .find(|p| p.pid != 0 && p.pid != mine && has_died(*p))
            .map(|p| p.pid)
    }

    /// Breaks the barrier for `cause`, waking every waiter. Called with the
    /// mutex held; the first cause stays.
    fn break_for(&self, cause: u32, dead: i32) {
        // SAFETY: the state's fields are written with the mutex held.
        unsafe {
            let state = self.block.ptr();
            if (*state).broken == 0 {
                (*state).broken = cause;
                (*state).dead = dead;
            }
        }
        notify_seq(seq!(self.block), i32::MAX);
    }

    /// The error for a broken barrier, naming why. Called with the mutex held.
    fn broken_error(&self) -> Option<Error> {
        // SAFETY: read with the mutex held.
        let (broken, dead) = unsafe { ((*self.block.ptr()).broken, (*self.block.ptr()).dead) };
        let why = match broken {
            0 => return None,
            BROKEN_DEAD => format!("party {dead} died"),
            BROKEN_DIED_INSIDE => "a party died while updating it".to_string(),
            BROKEN_ACTION => "its action panicked".to_string(),
            _ => "a party timed out or aborted".to_string(),
        };
        Some(Error::broken_barrier(format!(
            "the barrier is broken ({why})"
        )))
    }

    /// Takes the mutex; a process that died holding it may have left the
    /// counts half-updated, so that breaks the barrier.
    fn lock(&self) -> Result<()> {
        if lock_mutex(field!(self.block, mutex), None)? == Some(Taken::OwnerDied) {
            self.break_for(BROKEN_DIED_INSIDE, 0);
        }
        Ok(())
    }

    /// The arrivals in this round, and the round's number. Called with the
    /// mutex held.
    fn counts(&self) -> (u32, u64) {
        let state = self.block.ptr();
        // SAFETY: both are written only with the mutex held, which we hold.
        unsafe { ((*state).waiting, (*state).generation) }
    }

    fn set_counts(&self, waiting: u32, generation: u64) {
        let state = self.block.ptr();
        // SAFETY: as in `counts`.
        unsafe {
            (*state).waiting = waiting;
            (*state).generation = generation;
        }
    }

    /// Ends round `round`, opening the next one; `reset` says the round's
    /// waiters are to fail. Wakes them all. Called with the mutex held.
    fn end_round(&self, round: u64, reset: bool) {
        let state = self.block.ptr();
        let (bit, next) = (1u64 << (round % 64), 1u64 << ((round + 1) % 64));
        // SAFETY: written with the mutex held.
        unsafe {
            let resets = ((*state).resets & !next & !bit) | if reset { bit } else { 0 };
            (*state).resets = resets;
        }
        self.set_counts(0, round + 1);
        notify_seq(seq!(self.block), i32::MAX);
    }

    /// Whether round `round`, over, ended by a reset. Mutex held.
    fn was_reset(&self, round: u64) -> bool {
        // SAFETY: read with the mutex held.
        let resets = unsafe { (*self.block.ptr()).resets };
        resets & (1 << (round % 64)) != 0
    }

    /// Runs `f` with the mutex held.
    fn locked<R>(&self, f: impl FnOnce() -> R) -> Result<R> {
        self.lock()?;
        let result = f();
        unlock_mutex(field!(self.block, mutex));
        Ok(result)
    }

    // ANCHOR: barrier_wait
    /// Waits until every party has arrived (at most `timeout`; with `None`,
    /// the barrier's default timeout if it has one, else for ever).
    /// Returns this process's arrival index, 0 to parties - 1.
    /// A timeout breaks the barrier, for everyone, as in Python: the
    /// others' waits fail too, instead of waiting for a party that gave up.
    /// So does a party's death: waiters look for dead parties every 100 ms.
    /// Every such failure is a
    /// [`Kind::BrokenBarrier`](crate::Kind::BrokenBarrier) error.
    pub fn wait(&self, timeout: Option<Duration>) -> Result<u32> {
        let _wait = crate::timeline::blocked("barrier");
        let (default_timeout, action) = self.options();
        let deadline = timeout.or(default_timeout).map(|t| Instant::now() + t);
        self.lock()?;
        self.enrol();
        if let Some(pid) = self.dead_party() {
            self.break_for(BROKEN_DEAD, pid);
        }
        let result = self.arrive(deadline, action);
        unlock_mutex(field!(self.block, mutex));
        result
    }

    /// `wait`, with the mutex held.
    fn arrive(&self, deadline: Option<Instant>, action: Option<fn()>) -> Result<u32> {
        if let Some(e) = self.broken_error() {
            return Err(e);
        }
        let (index, mine) = self.counts();
        if index + 1 == self.parties() {
            // The last to arrive runs the action, holding the mutex, before
            // anyone goes on (as Python does), then opens the barrier.
            if let Some(action) = action
                && std::panic::catch_unwind(action).is_err()
            {
                self.break_for(BROKEN_ACTION, 0);
                return Err(self.broken_error().expect("just broken"));
            }
            self.end_round(mine, false);
            return Ok(index);
        }
        self.set_counts(index + 1, mine);
        loop {
            // Sleep in slices, to look for dead parties in between.
            let slice = slice_of(deadline, PARTY_CHECK);
            if wait_seq(seq!(self.block), field!(self.block, mutex), Some(slice))?
                == Taken::OwnerDied
            {
                self.break_for(BROKEN_DIED_INSIDE, 0);
            }
            if self.counts().1 != mine {
                if self.was_reset(mine) {
                    return Err(Error::broken_barrier("the barrier was reset"));
                }
                return Ok(index);
            }
            if let Some(e) = self.broken_error() {
                return Err(e);
            }
            if expired(deadline) {
                self.break_for(BROKEN_GAVE_UP, 0);
                return Err(Error::broken_barrier("timed out waiting at the barrier"));
            }
            if let Some(pid) = self.dead_party() {
                self.break_for(BROKEN_DEAD, pid);
            }
        }
    }
    // ANCHOR_END: barrier_wait

    /// Breaks the barrier (Python's `abort()`): every waiter, now and
    /// later, gets a [`Kind::BrokenBarrier`](crate::Kind::BrokenBarrier)
    /// error, until [`reset`](Self::reset).
    pub fn abort(&self) -> Result<()> {
        self.locked(|| self.break_for(BROKEN_GAVE_UP, 0))
    }

    /// Puts the barrier back as it was made (Python's `reset()`): the
    /// processes waiting now fail with a
    /// [`Kind::BrokenBarrier`](crate::Kind::BrokenBarrier) error ("the
    /// barrier was reset"), a broken barrier is whole again, and the next
    /// `parties` waits pass together. It also forgets who its parties were,
    /// so a dead party no longer breaks it.
    pub fn reset(&self) -> Result<()> {
        self.locked(|| {
            let state = self.block.ptr();
            // SAFETY: written with the mutex held; slots `0..parties` exist.
            unsafe {
                (*state).broken = 0;
                (*state).dead = 0;
                std::ptr::write_bytes(self.slots(), 0, self.parties() as usize);
            }
            self.end_round(self.counts().1, true);
        })
    }

    /// How many processes wait at the barrier now (Python's `n_waiting`);
    /// 0 once it is broken.
    pub fn n_waiting(&self) -> Result<u32> {
        self.locked(|| {
            if self.broken_error().is_some() {
                0
            } else {
                self.counts().0
            }
        })
    }

    /// Whether the barrier is broken (Python's `broken`): a wait timed out,
    /// it was aborted, a party died or its action panicked, and no
    /// [`reset`](Self::reset) since. A dead party is found by the waits, so
    /// one that died while nobody waits shows here only after the next.
    pub fn broken(&self) -> Result<bool> {
        self.locked(|| self.broken_error().is_some())
    }

    /// How many processes must wait to pass (Python's `parties`).
    pub fn parties(&self) -> u32 {
        let parties = field!(self.block, parties);
        // SAFETY: set once at creation, never changed.
        unsafe { *parties }
    }
}

// ---------------------------------------------------------------------------
// Value and Array.

/// Types that may live in shared memory, in a [`Value`] or an [`Array`]:
/// plain numbers, which mean the same in every process.
///
/// # Safety
///
/// Another process reads the bytes this one wrote, and the reverse, so an
/// implementor must be plain data: no pointers or references (an address
/// means nothing in another process: `&'static str`, `Box`, `String`, `Vec`
/// are out), no handles to per-process resources, no padding whose bytes
/// could be read, and `#[repr(C)]` or a primitive, so that every process
/// (built from the same code) lays it out alike.
///
/// Being valid for *any* bit pattern would be the safe rule, and the
/// numbers meet it. `bool` and `char` do not (only 0 and 1 are bools), but
/// they are kept: the bytes only ever come from Rust code of this program
/// writing a value of the same type (the memory starts as copies of the
/// values given to `new`), so they always hold a valid one. The same
/// argument covers a `#[repr(C)]` struct of such fields.
///
/// Implementing it for a type with a pointer does not compile without
/// `unsafe`:
///
/// ```compile_fail,E0200
/// #[derive(Clone, Copy)]
/// struct Name(&'static str);
/// impl common::Shareable for Name {}
/// ```
///
/// and with `unsafe`, the implementor answers for the rules above:
///
/// ```
/// #[derive(Clone, Copy)]
/// #[repr(C)]
/// struct Point {
///     x: f64,
///     y: f64,
/// }
/// // SAFETY: two f64s, no pointer, no padding, valid for any bits.
/// unsafe impl common::Shareable for Point {}
/// ```
pub unsafe trait Shareable: Copy + Send + 'static {}
macro_rules! shareable {
    // SAFETY: numbers are plain data, valid for any bits; bool and char as
    // the trait's documentation explains.
    ($($t:ty),*) => { $(unsafe impl Shareable for $t {})* };
}
shareable!(
    u8, u16, u32, u64, usize, i8, i16, i32, i64, isize, f32, f64, bool, char
);

#[repr(C)]
struct ArrayState {
    mutex: libc::pthread_mutex_t,
    len: usize,
}

/// The data starts after the state, aligned for any `Shareable`.
const DATA: usize = size_of::<ArrayState>().next_multiple_of(64);

/// Python's `multiprocessing.Array(typecode, values)`: a fixed number of
/// `T`s in shared memory, with a lock of its own.
///
/// If a process dies holding the lock (half-way through an update, say),
/// the next `lock`, `get`, `set` or `to_vec` fails with a
/// [`Kind::OwnerDied`](crate::Kind::OwnerDied) error, as a poisoned
/// `std::sync::Mutex` does: the data may be half-written. The lock is free
/// again after that error, so the next call goes through and can look at
/// (or repair) what the dead process left.
#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
pub struct Array<T: Shareable> {
    block: Block<ArrayState>,
    _items: PhantomData<T>,
}

impl<T: Shareable> Clone for Array<T> {
    fn clone(&self) -> Self {
        Array {
            block: self.block.clone(),
            _items: PhantomData,
        }
    }
}

/// The array, locked: read and write it as a slice. Not `Send`, as
/// [`LockGuard`]:
///
/// ```compile_fail,E0277
/// fn send<T: Send>(_: T) {}
/// fn check(array: &common::Array<u8>) -> common::Result<()> {
///     send(array.lock()?);
///     Ok(())
/// }
/// ```
pub struct ArrayGuard<'a, T: Shareable> {
    array: &'a Array<T>,
    _not_send: PhantomData<*const ()>,
}

impl<T: Shareable> Array<T> {
    /// An array holding a copy of `values` (Python's `Array(typecode,
    /// values)`; Python's `Array(typecode, n)`, n zeros, is
    /// `Array::new(&[0; n])`).
    pub fn new(values: &[T]) -> Result<Array<T>> {
        let len = values.len();
        let block = Block::new(
            DATA - size_of::<ArrayState>() + std::mem::size_of_val(values),
            |s: *mut ArrayState| {
                // SAFETY: fresh shared memory, big enough for the state and the data.
                unsafe {
                    RawMutex::init_kind(std::ptr::addr_of_mut!((*s).mutex).cast(), false)?;
                    (*s).len = len;
                    let data = s.cast::<u8>().add(DATA).cast::<T>();
                    std::ptr::copy_nonoverlapping(values.as_ptr(), data, len);
                }
                Ok(())
            },
        )?;
        Ok(Array {
            block,
            _items: PhantomData,
        })
    }

    fn data(&self) -> *mut T {
        // SAFETY: the data lies DATA bytes into the block.
        unsafe { self.block.ptr().cast::<u8>().add(DATA).cast() }
    }

    /// An array with no lock (Python's `Array(typecode, values,
    /// lock=False)`, which returns a `RawArray`): see [`RawArray`].
    pub fn unlocked(values: &[T]) -> Result<RawArray<T>> {
        RawArray::new(values)
    }

    /// How many elements (Python's `len(arr)`).
    pub fn len(&self) -> usize {
        let len = field!(self.block, len);
        // SAFETY: set once at creation.
        unsafe { *len }
    }

    /// Whether it has no element.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Takes the array's lock: Python's `with arr.get_lock():`. Fails with
    /// [`Kind::OwnerDied`](crate::Kind::OwnerDied) if its last holder died
    /// holding it (the lock is then free).
    ///
    /// The guard is also the array (Python's `get_obj()`): read and write
    /// it as a slice while the lock is held. Python's lock is an `RLock`,
    /// so `arr[i]` inside `with arr.get_lock():` works there; here the lock
    /// is not re-entrant, so use the guard, not [`get`](Self::get) or
    /// [`set`](Self::set), while holding it (they would wait for ever).
    pub fn lock(&self) -> Result<ArrayGuard<'_, T>> {
        take_user_lock(field!(self.block, mutex), None)?;
        Ok(ArrayGuard {
            array: self,
            _not_send: PhantomData,
        })
    }

    /// Reads element `i`, taking the lock for just this read (as Python's
    /// `arr[i]` does).
    pub fn get(&self, i: usize) -> Result<T> {
        let guard = self.lock()?;
        guard
            .get(i)
            .copied()
            .ok_or_else(|| Error::new(format!("index {i} out of range (length {})", self.len())))
    }

    /// Writes element `i`, taking the lock for just this write.
    pub fn set(&self, i: usize, value: T) -> Result<()> {
        let mut guard = self.lock()?;
        let len = guard.len();
        let slot = guard
            .get_mut(i)
            .ok_or_else(|| Error::new(format!("index {i} out of range (length {len})")))?;
        *slot = value;
        Ok(())
    }

    /// Python's name for [`lock`](Self::lock): `with arr.get_lock():`
    /// becomes `let mut arr = arr.get_lock()?;`.
    pub fn get_lock(&self) -> Result<ArrayGuard<'_, T>> {
        self.lock()
    }

    /// Every element, read under the lock (Python's `arr[:]`).
    pub fn to_vec(&self) -> Result<Vec<T>> {
        Ok(self.lock()?.to_vec())
    }
}

impl<T: Shareable> Deref for ArrayGuard<'_, T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        // SAFETY: the lock is held, so no other process writes meanwhile.
        unsafe { std::slice::from_raw_parts(self.array.data(), self.array.len()) }
    }
}

impl<T: Shareable> DerefMut for ArrayGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut [T] {
        // SAFETY: the lock is held, so this is the only access.
        unsafe { std::slice::from_raw_parts_mut(self.array.data(), self.array.len()) }
    }
}

impl<T: Shareable> Drop for ArrayGuard<'_, T> {
    fn drop(&mut self) {
        unlock_mutex(field!(self.array.block, mutex));
    }
}

/// Python's `multiprocessing.Value(typecode, value)`: one `T` in shared
/// memory, with a lock of its own. `get` and `set` each take the lock for
/// one access, so `v.set(v.get()? + 1)` is two separate steps and another
/// process can come between them; take the lock around both
/// (`*v.lock()? += 1`) to make the update whole. A holder's death is
/// reported as for [`Array`].
#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
pub struct Value<T: Shareable> {
    array: Array<T>,
}

impl<T: Shareable> Clone for Value<T> {
    fn clone(&self) -> Self {
        Value {
            array: self.array.clone(),
        }
    }
}

/// The value, locked: read and write it through `*guard`. Not `Send`, as
/// [`LockGuard`]:
///
/// ```compile_fail,E0277
/// fn send<T: Send>(_: T) {}
/// fn check(value: &common::Value<u8>) -> common::Result<()> {
///     send(value.lock()?);
///     Ok(())
/// }
/// ```
pub struct ValueGuard<'a, T: Shareable> {
    inner: ArrayGuard<'a, T>,
}

impl<T: Shareable> Value<T> {
    /// A value in shared memory, with a lock (Python's `Value(typecode,
    /// value)`).
    pub fn new(value: T) -> Result<Value<T>> {
        Ok(Value {
            array: Array::new(&[value])?,
        })
    }

    /// A value with no lock (Python's `Value(typecode, value, lock=False)`,
    /// which returns a `RawValue`): see [`RawValue`].
    pub fn unlocked(value: T) -> Result<RawValue<T>> {
        RawValue::new(value)
    }

    /// Reads the value under its lock (Python's `v.value`).
    pub fn get(&self) -> Result<T> {
        self.array.get(0)
    }

    /// Writes the value under its lock (Python's `v.value = x`).
    pub fn set(&self, value: T) -> Result<()> {
        self.array.set(0, value)
    }

    /// Takes the value's lock: Python's `with v.get_lock():`. The guard is
    /// also the value (Python's `get_obj()`): `*guard += 1`. The lock is
    /// not re-entrant (Python's is an `RLock`): while holding it, use the
    /// guard, not [`get`](Self::get) or [`set`](Self::set).
    pub fn lock(&self) -> Result<ValueGuard<'_, T>> {
        Ok(ValueGuard {
            inner: self.array.lock()?,
        })
    }

    /// Python's name for [`lock`](Self::lock): `with v.get_lock():
    /// v.value += 1` becomes `*v.get_lock()? += 1`.
    pub fn get_lock(&self) -> Result<ValueGuard<'_, T>> {
        self.lock()
    }
}

impl<T: Shareable> Deref for ValueGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner[0]
    }
}

impl<T: Shareable> DerefMut for ValueGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner[0]
    }
}

// ---------------------------------------------------------------------------
// RawValue and RawArray.

/// Reads a `T` from shared memory that other processes may write at the
/// same time. Types of 1, 2, 4 or 8 bytes aligned to their size (every
/// number, `bool`, `char`) are read with one atomic load, so never torn;
/// bigger ones are copied with a volatile read, and may mix the bytes of
/// two writes.
///
/// # Safety
/// `p` must point to a `T` in mapped shared memory, aligned, that only
/// `store` writes (or that was initialised with a valid `T`).
unsafe fn load<T: Shareable>(p: *const T) -> T {
    use std::mem::{align_of, transmute_copy};
    use std::sync::atomic::{AtomicU8, AtomicU16, AtomicU64};
    let atomic = align_of::<T>() == size_of::<T>();
    // SAFETY: for each size, an atomic of that size and alignment (checked
    // just above) at `p`, as the caller promised; the bits copied out are a
    // `T` that `store` wrote whole. Otherwise a volatile copy of the `T`.
    unsafe {
        match size_of::<T>() {
            1 if atomic => transmute_copy(&(*p.cast::<AtomicU8>()).load(Ordering::SeqCst)),
            2 if atomic => transmute_copy(&(*p.cast::<AtomicU16>()).load(Ordering::SeqCst)),
            4 if atomic => transmute_copy(&(*p.cast::<AtomicU32>()).load(Ordering::SeqCst)),
            8 if atomic => transmute_copy(&(*p.cast::<AtomicU64>()).load(Ordering::SeqCst)),
            _ => std::ptr::read_volatile(p),
        }
    }
}

/// Writes a `T` as [`load`] reads it.
///
/// # Safety
/// As for [`load`].
unsafe fn store<T: Shareable>(p: *mut T, value: T) {
    use std::mem::{align_of, transmute_copy};
    use std::sync::atomic::{AtomicU8, AtomicU16, AtomicU64};
    let atomic = align_of::<T>() == size_of::<T>();
    // SAFETY: as in `load`; `T` is plain data of the atomic's size, so its
    // bits make a number of that size.
    unsafe {
        match size_of::<T>() {
            1 if atomic => (*p.cast::<AtomicU8>()).store(transmute_copy(&value), Ordering::SeqCst),
            2 if atomic => (*p.cast::<AtomicU16>()).store(transmute_copy(&value), Ordering::SeqCst),
            4 if atomic => (*p.cast::<AtomicU32>()).store(transmute_copy(&value), Ordering::SeqCst),
            8 if atomic => (*p.cast::<AtomicU64>()).store(transmute_copy(&value), Ordering::SeqCst),
            _ => std::ptr::write_volatile(p, value),
        }
    }
}

/// Python's `multiprocessing.sharedctypes.RawArray`: a fixed number of
/// `T`s in shared memory, with no lock. Each `get` and `set` copies one
/// element in or out; no reference into the shared memory is handed out.
///
/// With no lock, nothing keeps two processes from updating an element at
/// once (`set(i, get(i)? + 1)` loses counts, as in Python): use it for
/// data that one process writes and others read after some other
/// synchronisation (a [`Barrier`], an [`Event`], a join), or take an
/// [`Array`]. An element of 1, 2, 4 or 8 bytes aligned to its size (every
/// number, `bool`, `char`) is read and written whole; a bigger one (a
/// `#[repr(C)]` struct) may be read half old, half new if a write races
/// the read.
#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
pub struct RawArray<T: Shareable> {
    // The layout of an `Array`'s block; its mutex is never used.
    block: Block<ArrayState>,
    _items: PhantomData<T>,
}

impl<T: Shareable> Clone for RawArray<T> {
    fn clone(&self) -> Self {
        RawArray {
            block: self.block.clone(),
            _items: PhantomData,
        }
    }
}

impl<T: Shareable> RawArray<T> {
    /// An array holding a copy of `values` (Python's `RawArray(typecode,
    /// values)`).
    pub fn new(values: &[T]) -> Result<RawArray<T>> {
        let len = values.len();
        let block = Block::new(
            DATA - size_of::<ArrayState>() + std::mem::size_of_val(values),
            |s: *mut ArrayState| {
                // SAFETY: fresh shared memory, big enough for the state and
                // the data, which starts aligned for any `Shareable`.
                unsafe {
                    (*s).len = len;
                    let data = s.cast::<u8>().add(DATA).cast::<T>();
                    std::ptr::copy_nonoverlapping(values.as_ptr(), data, len);
                }
                Ok(())
            },
        )?;
        Ok(RawArray {
            block,
            _items: PhantomData,
        })
    }

    /// How many elements (Python's `len(arr)`).
    pub fn len(&self) -> usize {
        let len = field!(self.block, len);
        // SAFETY: set once at creation.
        unsafe { *len }
    }

    /// Whether it has no element.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Element `i`'s address, or an error naming the length.
    fn slot(&self, i: usize) -> Result<*mut T> {
        if i >= self.len() {
            return Err(Error::new(format!(
                "index {i} out of range (length {})",
                self.len()
            )));
        }
        // SAFETY: the data lies DATA bytes into the block, `len` elements long.
        Ok(unsafe { self.block.ptr().cast::<u8>().add(DATA).cast::<T>().add(i) })
    }

    /// A copy of element `i` (Python's `arr[i]`); an error if `i` is out
    /// of range (Python's `IndexError`).
    pub fn get(&self, i: usize) -> Result<T> {
        let slot = self.slot(i)?;
        // SAFETY: an element of the mapped array, written only by `store`.
        Ok(unsafe { load(slot) })
    }

    /// Writes element `i` (Python's `arr[i] = x`); an error if `i` is out
    /// of range.
    pub fn set(&self, i: usize, value: T) -> Result<()> {
        let slot = self.slot(i)?;
        // SAFETY: as in `get`.
        unsafe { store(slot, value) };
        Ok(())
    }

    /// Every element, each copied as [`get`](Self::get) does (Python's
    /// `arr[:]`): with no lock, not one snapshot if others write meanwhile.
    pub fn to_vec(&self) -> Vec<T> {
        (0..self.len())
            .map(|i| self.get(i).expect("in range"))
            .collect()
    }
}

/// Python's `multiprocessing.sharedctypes.RawValue` (and what
/// `Value(typecode, v, lock=False)` returns): one `T` in shared memory,
/// with no lock. `get` and `set` copy it out and in, whole for every
/// number, `bool` and `char`; see [`RawArray`] for what no lock means.
#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
pub struct RawValue<T: Shareable> {
    array: RawArray<T>,
}

impl<T: Shareable> Clone for RawValue<T> {
    fn clone(&self) -> Self {
        RawValue {
            array: self.array.clone(),
        }
    }
}

impl<T: Shareable> RawValue<T> {
    /// A value in shared memory (Python's `RawValue(typecode, value)`).
    pub fn new(value: T) -> Result<RawValue<T>> {
        Ok(RawValue {
            array: RawArray::new(&[value])?,
        })
    }

    /// A copy of the value (Python's `v.value`).
    pub fn get(&self) -> T {
        self.array.get(0).expect("a value has one element")
    }

    /// Writes the value (Python's `v.value = x`).
    pub fn set(&self, value: T) {
        self.array.set(0, value).expect("a value has one element")
    }
}
