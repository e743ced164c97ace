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
fn futex_wait(word: &AtomicU32, expected: u32, timeout: Option<Duration>) -> Result<()> {
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
fn futex_wake(word: &AtomicU32, n: i32) {
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
    _lock: PhantomData<&'a ()>,
}

impl Drop for LockGuard<'_> {
    fn drop(&mut self) {
        unlock_mutex(self.mutex);
    }
}

fn new_mutex_block(recursive: bool) -> Result<Block<MutexState>> {
    Block::new(0, |s: *mut MutexState| {
        // SAFETY: fresh shared memory of the right size.
        unsafe { init_mutex(std::ptr::addr_of_mut!((*s).mutex), recursive) }
    })
}

fn acquire_in(
    block: &Block<MutexState>,
    deadline: Option<Instant>,
) -> Result<Option<LockGuard<'_>>> {
    let mutex = field!(block, mutex);
    Ok(take_user_lock(mutex, deadline)?.then_some(LockGuard {
        mutex,
        _lock: PhantomData,
    }))
}

macro_rules! lock_methods {
    ($ty:ident, $recursive:expr) => {
        impl $ty {
            pub fn new() -> Result<$ty> {
                Ok($ty {
                    block: new_mutex_block($recursive)?,
                })
            }

            /// Waits until the lock is free, and takes it. Fails with
            /// [`Kind::OwnerDied`](crate::Kind::OwnerDied) if its last
            /// holder died holding it (the lock is then free).
            pub fn acquire(&self) -> Result<LockGuard<'_>> {
                acquire_in(&self.block, None)?
                    .ok_or_else(|| Error::new("a lock wait with no deadline timed out"))
            }

            /// Takes the lock if it becomes free within `timeout`; as
            /// [`acquire`](Self::acquire) if its last holder died.
            pub fn acquire_timeout(&self, timeout: Duration) -> Result<Option<LockGuard<'_>>> {
                acquire_in(&self.block, Some(Instant::now() + timeout))
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

    pub fn clear(&self) -> Result<()> {
        // SAFETY: as in `set`.
        self.with(|flag| unsafe { *flag = 0 })
    }

    pub fn is_set(&self) -> Result<bool> {
        // SAFETY: as in `set`.
        self.with(|flag| unsafe { *flag != 0 })
    }

    /// Waits until the flag is set, at most `timeout` (for ever if `None`);
    /// returns whether it is set.
    pub fn wait(&self, timeout: Option<Duration>) -> Result<bool> {
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
        let block = &self.condition.block;
        let deadline = timeout.map(|t| Instant::now() + t);
        match wait_seq(seq!(block), field!(block, mutex), timeout)? {
            Taken::Ok => Ok(!expired(deadline)),
            Taken::OwnerDied => Err(owner_died()),
        }
    }

    /// Wakes one waiter.
    pub fn notify(&self) {
        notify_seq(seq!(self.condition.block), 1);
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
    generation: u64,
    // Then `parties` slots of `Party`: who has waited here.
}

const BROKEN_GAVE_UP: u32 = 1;
const BROKEN_DEAD: u32 = 2;
const BROKEN_DIED_INSIDE: u32 = 3;

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
/// processes that have since ended counts them as dead parties.
#[derive(Clone, Serialize, Deserialize)]
pub struct Barrier {
    block: Block<BarrierState>,
}

impl Barrier {
    pub fn new(parties: u32) -> Result<Barrier> {
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
            }
            Ok(())
        })?;
        Ok(Barrier { block })
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
            _ => "a party timed out or aborted".to_string(),
        };
        Some(Error::new(format!("the barrier is broken ({why})")))
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

    // ANCHOR: barrier_wait
    /// Waits until every party has arrived (at most `timeout`, for ever if
    /// `None`). Returns this process's arrival index, 0 to parties - 1.
    /// A timeout breaks the barrier, for everyone, as in Python: the
    /// others' waits fail too, instead of waiting for a party that gave up.
    /// So does a party's death: waiters look for dead parties every 100 ms.
    pub fn wait(&self, timeout: Option<Duration>) -> Result<u32> {
        let deadline = timeout.map(|t| Instant::now() + t);
        self.lock()?;
        self.enrol();
        if let Some(pid) = self.dead_party() {
            self.break_for(BROKEN_DEAD, pid);
        }
        let result = self.arrive(deadline);
        unlock_mutex(field!(self.block, mutex));
        result
    }

    /// `wait`, with the mutex held.
    fn arrive(&self, deadline: Option<Instant>) -> Result<u32> {
        if let Some(e) = self.broken_error() {
            return Err(e);
        }
        let (index, mine) = self.counts();
        if index + 1 == self.parties() {
            // The last to arrive opens the barrier for this generation.
            self.set_counts(0, mine + 1);
            notify_seq(seq!(self.block), i32::MAX);
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
                return Ok(index);
            }
            if let Some(e) = self.broken_error() {
                return Err(e);
            }
            if expired(deadline) {
                self.break_for(BROKEN_GAVE_UP, 0);
                return Err(Error::timeout("timed out waiting at the barrier"));
            }
            if let Some(pid) = self.dead_party() {
                self.break_for(BROKEN_DEAD, pid);
            }
        }
    }
    // ANCHOR_END: barrier_wait

    /// Breaks the barrier: every waiter, now and later, gets an error.
    pub fn abort(&self) -> Result<()> {
        self.lock()?;
        self.break_for(BROKEN_GAVE_UP, 0);
        unlock_mutex(field!(self.block, mutex));
        Ok(())
    }

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

    pub fn len(&self) -> usize {
        let len = field!(self.block, len);
        // SAFETY: set once at creation.
        unsafe { *len }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Takes the array's lock: Python's `with arr.get_lock():`. Fails with
    /// [`Kind::OwnerDied`](crate::Kind::OwnerDied) if its last holder died
    /// holding it (the lock is then free).
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
    pub fn new(value: T) -> Result<Value<T>> {
        Ok(Value {
            array: Array::new(&[value])?,
        })
    }

    pub fn get(&self) -> Result<T> {
        self.array.get(0)
    }

    pub fn set(&self, value: T) -> Result<()> {
        self.array.set(0, value)
    }

    /// Takes the value's lock: Python's `with v.get_lock():`.
    pub fn lock(&self) -> Result<ValueGuard<'_, T>> {
        Ok(ValueGuard {
            inner: self.array.lock()?,
        })
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
