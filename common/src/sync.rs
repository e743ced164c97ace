//! Synchronisation between processes: `Lock`, `RLock`, `Semaphore` (and
//! bounded), `Event`, `Condition`, `Barrier`, and the shared `Value` and
//! `Array`, the counterparts of Python's `multiprocessing` ones.
//!
//! Each lives in a small block of [`SharedMemory`] (a memfd: nothing in
//! `/dev/shm`, nothing to leave behind) and is built from the POSIX
//! primitives made for this: mutexes and condition variables marked
//! *process-shared*, and unnamed semaphores created with `pshared = 1`. The
//! mutexes are also *robust*: if a process dies holding one, the next
//! process to take it is told, instead of waiting for ever.
//!
//! Give one to a child as (part of) a `Process` argument; clone it to keep
//! a handle yourself.

use crate::shm::{RawMutex, SharedMemory, check, deadline_on, remaining};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::marker::PhantomData;
use std::mem::{MaybeUninit, size_of};
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------
// The POSIX pieces, initialised in place in shared memory.

/// # Safety
/// `c` must point to writable shared memory that nothing else uses yet.
unsafe fn init_cond(c: *mut libc::pthread_cond_t) -> Result<()> {
    // SAFETY: as above.
    unsafe {
        let mut attr = MaybeUninit::<libc::pthread_condattr_t>::uninit();
        check(libc::pthread_condattr_init(attr.as_mut_ptr()), "condattr")?;
        libc::pthread_condattr_setpshared(attr.as_mut_ptr(), libc::PTHREAD_PROCESS_SHARED);
        libc::pthread_condattr_setclock(attr.as_mut_ptr(), libc::CLOCK_MONOTONIC);
        let rc = libc::pthread_cond_init(c, attr.as_ptr());
        libc::pthread_condattr_destroy(attr.as_mut_ptr());
        check(rc, "condition variable")
    }
}

/// Takes a robust mutex of a block; `Ok(false)` if the deadline passed first.
fn lock_mutex(m: *mut libc::pthread_mutex_t, deadline: Option<Instant>) -> Result<bool> {
    Ok(attached(m).lock(remaining(deadline))?.is_some())
}

/// A handle on a block's mutex.
fn attached(m: *mut libc::pthread_mutex_t) -> RawMutex {
    // SAFETY: every mutex of a block is initialised when the block is made,
    // and the block outlives the calls that use the handle.
    unsafe { RawMutex::attach(m.cast()) }
}

fn unlock_mutex(m: *mut libc::pthread_mutex_t) {
    // SAFETY: called by the holder only.
    unsafe { libc::pthread_mutex_unlock(m) };
}

/// Waits on `c` (holding `m`); `Ok(false)` on timeout.
fn wait_cond(
    c: *mut libc::pthread_cond_t,
    m: *mut libc::pthread_mutex_t,
    deadline: Option<Instant>,
) -> Result<bool> {
    let rc = match remaining(deadline) {
        // SAFETY: both are initialised and process-shared; we hold `m`.
        None => unsafe { libc::pthread_cond_wait(c, m) },
        Some(timeout) => {
            let at = deadline_on(libc::CLOCK_MONOTONIC, timeout);
            // SAFETY: as above.
            unsafe { libc::pthread_cond_timedwait(c, m, &at) }
        }
    };
    // The wait takes the mutex again on its way out: the same outcomes as a lock.
    Ok(attached(m).settle(rc)?.is_some())
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

macro_rules! field {
    ($block:expr, $field:ident) => {
        // SAFETY: the block holds an initialised state; this takes the
        // field's address without making a reference to shared memory.
        unsafe { std::ptr::addr_of_mut!((*$block.ptr()).$field) }
    };
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
#[derive(Clone, Serialize, Deserialize)]
pub struct Lock {
    block: Block<MutexState>,
}

/// Python's `multiprocessing.RLock`: a lock its holder may take again; it
/// is free once released as many times as it was taken.
#[derive(Clone, Serialize, Deserialize)]
pub struct RLock {
    block: Block<MutexState>,
}

/// Held while it lives: the lock is released when it is dropped.
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
    // SAFETY: fresh shared memory of the right size.
    Block::new(0, |s: *mut MutexState| unsafe {
        RawMutex::init_kind(std::ptr::addr_of_mut!((*s).mutex).cast(), recursive).map(drop)
    })
}

fn acquire_in(
    block: &Block<MutexState>,
    deadline: Option<Instant>,
) -> Result<Option<LockGuard<'_>>> {
    let mutex = field!(block, mutex);
    Ok(lock_mutex(mutex, deadline)?.then_some(LockGuard {
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

            /// Waits until the lock is free, and takes it.
            pub fn acquire(&self) -> Result<LockGuard<'_>> {
                acquire_in(&self.block, None).map(|g| g.expect("no deadline"))
            }

            /// Takes the lock if it becomes free within `timeout`.
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
    sem: libc::sem_t,
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
        // SAFETY: fresh shared memory; pshared = 1 makes it usable across processes.
        let block = Block::new(0, |s: *mut SemState| {
            let rc = unsafe { libc::sem_init(std::ptr::addr_of_mut!((*s).sem), 1, value) };
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
                    let at = deadline_on(libc::CLOCK_REALTIME, timeout);
                    // SAFETY: as above.
                    unsafe { libc::sem_timedwait(self.sem(), &at) }
                }
            };
            if rc == 0 {
                return Ok(true);
            }
            match std::io::Error::last_os_error().raw_os_error() {
                Some(libc::EINTR) => continue,
                Some(libc::ETIMEDOUT) => return Ok(false),
                _ => return Err(std::io::Error::last_os_error().into()),
            }
        }
    }

    /// Gives one back. A bounded semaphore refuses to go above its bound.
    pub fn release(&self) -> Result<()> {
        if let Some(bound) = self.bound
            && self.value() >= bound
        {
            return Err(Error::new(format!(
                "semaphore released too many times (its bound is {bound})"
            )));
        }
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
    cond: libc::pthread_cond_t,
    flag: u32,
}

fn new_mutex_cond<S>(
    init_rest: impl FnOnce(*mut S),
    mutex: impl Fn(*mut S) -> *mut libc::pthread_mutex_t,
    cond: impl Fn(*mut S) -> *mut libc::pthread_cond_t,
    extra: usize,
) -> Result<Block<S>> {
    Block::new(extra, |s: *mut S| {
        // SAFETY: fresh shared memory laid out as `S`.
        unsafe {
            RawMutex::init_kind(mutex(s).cast(), false)?;
            init_cond(cond(s))?;
        }
        init_rest(s);
        Ok(())
    })
}

/// Python's `multiprocessing.Event`: a flag that processes can wait for.
#[derive(Clone, Serialize, Deserialize)]
pub struct Event {
    block: Block<EventState>,
}

impl Event {
    pub fn new() -> Result<Event> {
        let block = new_mutex_cond(
            |_| {},
            // SAFETY (both): addresses of fields of the fresh state.
            |s: *mut EventState| unsafe { std::ptr::addr_of_mut!((*s).mutex) },
            |s: *mut EventState| unsafe { std::ptr::addr_of_mut!((*s).cond) },
            0,
        )?;
        Ok(Event { block })
    }

    fn with<T>(&self, f: impl FnOnce(*mut u32) -> T) -> Result<T> {
        lock_mutex(field!(self.block, mutex), None)?;
        let result = f(field!(self.block, flag));
        unlock_mutex(field!(self.block, mutex));
        Ok(result)
    }

    /// Sets the flag and wakes every waiter.
    pub fn set(&self) -> Result<()> {
        let cond = field!(self.block, cond);
        self.with(|flag| {
            // SAFETY: we hold the event's mutex, which guards the flag.
            unsafe { *flag = 1 };
            // SAFETY: an initialised process-shared condition variable.
            unsafe { libc::pthread_cond_broadcast(cond) };
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
        let (mutex, cond, flag) = (
            field!(self.block, mutex),
            field!(self.block, cond),
            field!(self.block, flag),
        );
        lock_mutex(mutex, None)?;
        // SAFETY: the flag is read with the mutex held.
        let set = loop {
            if unsafe { *flag } != 0 {
                break true;
            }
            match wait_cond(cond, mutex, deadline) {
                Ok(true) => {}
                Ok(false) => break unsafe { *flag } != 0,
                Err(e) => {
                    unlock_mutex(mutex);
                    return Err(e);
                }
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
    cond: libc::pthread_cond_t,
}

/// Python's `multiprocessing.Condition`: a lock, and a way to wait, holding
/// it, until another process says something changed.
#[derive(Clone, Serialize, Deserialize)]
pub struct Condition {
    block: Block<CondState>,
}

/// The condition's lock, held; `wait` releases it while waiting.
pub struct ConditionGuard<'a> {
    condition: &'a Condition,
}

impl Condition {
    pub fn new() -> Result<Condition> {
        let block = new_mutex_cond(
            |_| {},
            // SAFETY (both): addresses of fields of the fresh state.
            |s: *mut CondState| unsafe { std::ptr::addr_of_mut!((*s).mutex) },
            |s: *mut CondState| unsafe { std::ptr::addr_of_mut!((*s).cond) },
            0,
        )?;
        Ok(Condition { block })
    }

    /// Takes the condition's lock (Python's `with condition:`).
    pub fn acquire(&self) -> Result<ConditionGuard<'_>> {
        lock_mutex(field!(self.block, mutex), None)?;
        Ok(ConditionGuard { condition: self })
    }
}

impl ConditionGuard<'_> {
    /// Releases the lock, waits for a notification (at most `timeout`),
    /// takes the lock again. Returns false on timeout. As with every
    /// condition variable, check what you are waiting for in a loop: a
    /// wake-up may come without it.
    pub fn wait(&mut self, timeout: Option<Duration>) -> Result<bool> {
        let block = &self.condition.block;
        wait_cond(
            field!(block, cond),
            field!(block, mutex),
            timeout.map(|t| Instant::now() + t),
        )
    }

    /// Wakes one waiter.
    pub fn notify(&self) {
        let cond = field!(self.condition.block, cond);
        // SAFETY: an initialised process-shared condition variable.
        unsafe { libc::pthread_cond_signal(cond) };
    }

    /// Wakes every waiter.
    pub fn notify_all(&self) {
        let cond = field!(self.condition.block, cond);
        // SAFETY: as above.
        unsafe { libc::pthread_cond_broadcast(cond) };
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
    cond: libc::pthread_cond_t,
    parties: u32,
    waiting: u32,
    generation: u64,
    broken: u32,
}

/// Python's `multiprocessing.Barrier(parties)`: each `wait` blocks until
/// `parties` processes are waiting, then all go on together.
#[derive(Clone, Serialize, Deserialize)]
pub struct Barrier {
    block: Block<BarrierState>,
}

impl Barrier {
    pub fn new(parties: u32) -> Result<Barrier> {
        if parties == 0 {
            return Err(Error::usage("a barrier needs at least 1 party"));
        }
        let block = new_mutex_cond(
            |s: *mut BarrierState| {
                // SAFETY: fresh state, not yet shared.
                unsafe { (*s).parties = parties };
            },
            // SAFETY (both): addresses of fields of the fresh state.
            |s: *mut BarrierState| unsafe { std::ptr::addr_of_mut!((*s).mutex) },
            |s: *mut BarrierState| unsafe { std::ptr::addr_of_mut!((*s).cond) },
            0,
        )?;
        Ok(Barrier { block })
    }

    // ANCHOR: barrier_wait
    /// Waits until every party has arrived (at most `timeout`, for ever if
    /// `None`). Returns this process's arrival index, 0 to parties - 1.
    /// A timeout breaks the barrier, for everyone, as in Python: the
    /// others' waits fail too, instead of waiting for a party that gave up.
    pub fn wait(&self, timeout: Option<Duration>) -> Result<u32> {
        let deadline = timeout.map(|t| Instant::now() + t);
        let b = &self.block;
        let (mutex, cond) = (field!(b, mutex), field!(b, cond));
        let (parties, waiting, generation, broken) = (
            field!(b, parties),
            field!(b, waiting),
            field!(b, generation),
            field!(b, broken),
        );
        let broken_error = || Error::new("the barrier is broken (a party timed out or aborted)");
        lock_mutex(mutex, None)?;
        // SAFETY: every field below is read and written with the mutex held.
        let result = unsafe {
            if *broken != 0 {
                Err(broken_error())
            } else {
                let index = *waiting;
                *waiting += 1;
                if *waiting == *parties {
                    // The last to arrive opens the barrier for this generation.
                    *waiting = 0;
                    *generation += 1;
                    libc::pthread_cond_broadcast(cond);
                    Ok(index)
                } else {
                    let mine = *generation;
                    loop {
                        match wait_cond(cond, mutex, deadline) {
                            _ if *generation != mine => break Ok(index),
                            _ if *broken != 0 => break Err(broken_error()),
                            Ok(true) => {}
                            Ok(false) => {
                                *broken = 1;
                                libc::pthread_cond_broadcast(cond);
                                break Err(Error::timeout("timed out waiting at the barrier"));
                            }
                            Err(e) => break Err(e),
                        }
                    }
                }
            }
        };
        unlock_mutex(mutex);
        result
    }
    // ANCHOR_END: barrier_wait

    /// Breaks the barrier: every waiter, now and later, gets an error.
    pub fn abort(&self) -> Result<()> {
        let b = &self.block;
        let (mutex, cond, broken) = (field!(b, mutex), field!(b, cond), field!(b, broken));
        lock_mutex(mutex, None)?;
        // SAFETY: with the mutex held.
        unsafe {
            *broken = 1;
            libc::pthread_cond_broadcast(cond);
        }
        unlock_mutex(mutex);
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

/// Types that may live in shared memory: plain numbers, which mean the same
/// in every process (a pointer or a `String` would not).
pub trait Shareable: Copy + Send + 'static {}
macro_rules! shareable {
    ($($t:ty),*) => { $(impl Shareable for $t {})* };
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

/// The array, locked: read and write it as a slice.
pub struct ArrayGuard<'a, T: Shareable> {
    array: &'a Array<T>,
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

    /// Takes the array's lock: Python's `with arr.get_lock():`.
    pub fn lock(&self) -> Result<ArrayGuard<'_, T>> {
        lock_mutex(field!(self.block, mutex), None)?;
        Ok(ArrayGuard { array: self })
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
/// (`*v.lock()? += 1`) to make the update whole.
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

/// The value, locked: read and write it through `*guard`.
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
