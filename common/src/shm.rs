//! Memory shared between the processes of one program, and a lock that
//! lives in it.
//!
//! The memory is a `memfd`: an anonymous file that exists only while some
//! process holds a descriptor or a mapping of it. It has no name in
//! `/dev/shm`, so nothing can be left behind, whichever way the processes
//! end (even SIGKILL). Children get it as an [`Inherit`] descriptor, like a
//! pipe, and map it themselves.

use crate::fds::Inherit;
use crate::{Error, Result};
use nix::sys::mman::{MapFlags, ProtFlags, mmap, munmap};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::num::NonZeroUsize;
use std::ptr::NonNull;
use std::time::{Duration, Instant};

/// A block of zeroed memory that every process holding it sees: Python's
/// `multiprocessing.shared_memory.SharedMemory`, without a name (a child
/// gets it as a `Process` argument, and it is gone when the last process
/// holding it ends).
///
/// It is raw bytes: reading and writing them goes through [`as_ptr`] and
/// `unsafe` code, which must itself keep processes from racing (atomics,
/// or a protocol). [`Value`](crate::Value) and [`Array`](crate::Array) are
/// the safe, locked way to share numbers.
///
/// [`as_ptr`]: SharedMemory::as_ptr
#[derive(Debug)]
pub struct SharedMemory {
    fd: Inherit,
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is plain shared memory; the types built on it
// synchronise their own accesses.
unsafe impl Send for SharedMemory {}
// SAFETY: as for Send: `&SharedMemory` hands out only the raw pointer.
unsafe impl Sync for SharedMemory {}

impl SharedMemory {
    /// `len` bytes of zeroed shared memory.
    pub fn new(len: usize) -> Result<SharedMemory> {
        let fd =
            nix::sys::memfd::memfd_create(c"cookbook", nix::sys::memfd::MFdFlags::MFD_CLOEXEC)?;
        nix::unistd::ftruncate(&fd, len as i64)?;
        Self::map(Inherit::new(fd), len)
    }

    fn map(fd: Inherit, len: usize) -> Result<SharedMemory> {
        let size = NonZeroUsize::new(len).ok_or_else(|| Error::new("empty shared memory"))?;
        // SAFETY: a fresh shared mapping of a file we hold; no Rust reference
        // points into it yet.
        let ptr = unsafe {
            mmap(
                None,
                size,
                ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
                MapFlags::MAP_SHARED,
                &fd,
                0,
            )?
        };
        Ok(SharedMemory {
            fd,
            ptr: ptr.cast(),
            len,
        })
    }

    /// The first byte; the block is `len()` bytes long, aligned for any
    /// type, and mapped as long as `self` lives.
    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    /// Its size in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the block has no bytes (never, for one that was mapped).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Another mapping of the same memory, for a second handle in this process.
    pub fn try_clone(&self) -> Result<SharedMemory> {
        Self::map(self.fd.try_clone()?, self.len)
    }
}

impl Drop for SharedMemory {
    fn drop(&mut self) {
        // SAFETY: we mapped exactly this range and nothing uses it any more.
        let _ = unsafe { munmap(self.ptr.cast(), self.len) };
    }
}

impl Serialize for SharedMemory {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        (&self.fd, self.len).serialize(s)
    }
}

impl<'de> Deserialize<'de> for SharedMemory {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let (fd, len) = <(Inherit, usize)>::deserialize(d)?;
        SharedMemory::map(fd, len).map_err(serde::de::Error::custom)
    }
}

/// A mutex in shared memory that any process of the program can take: a
/// POSIX mutex made *process-shared* (it may live in memory mapped by
/// several processes) and *robust* (if its owner dies holding it, the next
/// taker is told, instead of waiting forever).
pub struct RawMutex {
    ptr: *mut libc::pthread_mutex_t,
}

/// What taking a [`RawMutex`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Taken {
    /// Taken normally.
    Ok,
    /// Taken, but its previous owner died holding it: whatever it guarded
    /// may be half-updated.
    OwnerDied,
}

// SAFETY: a process-shared pthread mutex may be used from any thread.
unsafe impl Send for RawMutex {}
// SAFETY: its operations take `&self` and are the mutex's own, made for
// concurrent callers.
unsafe impl Sync for RawMutex {}

impl RawMutex {
    // ANCHOR: raw_mutex
    /// Initialises a mutex at `ptr`, which must be zeroed shared memory,
    /// aligned, and live as long as the returned value; with `recursive`,
    /// a mutex its holder may take again (Python's `RLock`).
    ///
    /// # Safety
    /// `ptr` must point to enough shared memory for a
    /// `pthread_mutex_t` that no other mutex uses, mapped for as long as
    /// the `RawMutex` lives.
    pub unsafe fn init_kind(ptr: *mut u8, recursive: bool) -> Result<RawMutex> {
        let ptr = ptr.cast::<libc::pthread_mutex_t>();
        // SAFETY: the attribute object is initialised before use and
        // destroyed after; `ptr` is valid per the caller's promise.
        unsafe {
            let mut attr = std::mem::MaybeUninit::<libc::pthread_mutexattr_t>::uninit();
            check(
                libc::pthread_mutexattr_init(attr.as_mut_ptr()),
                "mutex attributes",
            )?;
            check(
                libc::pthread_mutexattr_setpshared(attr.as_mut_ptr(), libc::PTHREAD_PROCESS_SHARED),
                "process-shared mutex",
            )?;
            check(
                libc::pthread_mutexattr_setrobust(attr.as_mut_ptr(), libc::PTHREAD_MUTEX_ROBUST),
                "robust mutex",
            )?;
            if recursive {
                libc::pthread_mutexattr_settype(attr.as_mut_ptr(), libc::PTHREAD_MUTEX_RECURSIVE);
            }
            let rc = libc::pthread_mutex_init(ptr, attr.as_ptr());
            libc::pthread_mutexattr_destroy(attr.as_mut_ptr());
            check(rc, "mutex")?;
        }
        Ok(RawMutex { ptr })
    }
    // ANCHOR_END: raw_mutex

    /// A handle on a mutex that another process initialised at `ptr`.
    ///
    /// # Safety
    /// As for [`RawMutex::init_kind`], and the mutex there must be initialised.
    pub unsafe fn attach(ptr: *mut u8) -> RawMutex {
        RawMutex { ptr: ptr.cast() }
    }

    // ANCHOR: lock
    /// Takes the mutex, waiting at most `timeout` (for ever if `None`).
    /// `Ok(None)` means the time ran out.
    pub fn lock(&self, timeout: Option<Duration>) -> Result<Option<Taken>> {
        let rc = match timeout {
            // SAFETY: `ptr` is an initialised mutex (see the constructors).
            None => unsafe { libc::pthread_mutex_lock(self.ptr) },
            Some(timeout) => {
                // On the monotonic clock: setting the wall clock meanwhile
                // neither stretches nor cuts the wait.
                let deadline = deadline_on(libc::CLOCK_MONOTONIC, timeout);
                // SAFETY: as above; `deadline` is a valid timespec on that clock.
                unsafe { pthread_mutex_clocklock(self.ptr, libc::CLOCK_MONOTONIC, &deadline) }
            }
        };
        self.settle(rc)
    }

    /// Takes the mutex if it is free.
    pub fn try_lock(&self) -> Result<Option<Taken>> {
        // SAFETY: `ptr` is an initialised mutex.
        let rc = unsafe { libc::pthread_mutex_trylock(self.ptr) };
        if rc == libc::EBUSY {
            return Ok(None);
        }
        self.settle(rc)
    }

    /// What a call that takes the mutex (a lock, or a condition variable's
    /// wait, which takes it again) returned, as a [`Taken`].
    pub(crate) fn settle(&self, rc: i32) -> Result<Option<Taken>> {
        match rc {
            0 => Ok(Some(Taken::Ok)),
            libc::ETIMEDOUT => Ok(None),
            libc::EOWNERDEAD => {
                // We own it now; mark it usable again for everyone after us.
                // SAFETY: we hold the mutex, as EOWNERDEAD says.
                unsafe { libc::pthread_mutex_consistent(self.ptr) };
                Ok(Some(Taken::OwnerDied))
            }
            rc => Err(std::io::Error::from_raw_os_error(rc).into()),
        }
    }
    // ANCHOR_END: lock

    pub fn unlock(&self) {
        // SAFETY: called only by the holder, after a successful lock.
        unsafe { libc::pthread_mutex_unlock(self.ptr) };
    }
}

// glibc 2.30+: `pthread_mutex_timedlock` on a clock of our choosing. The
// `libc` crate does not declare it (yet).
unsafe extern "C" {
    fn pthread_mutex_clocklock(
        mutex: *mut libc::pthread_mutex_t,
        clock: libc::clockid_t,
        abstime: *const libc::timespec,
    ) -> libc::c_int;
}

/// A POSIX call's return code as a `Result`, naming what was being made.
pub(crate) fn check(rc: i32, what: &str) -> Result<()> {
    if rc == 0 {
        Ok(())
    } else {
        Err(Error::new(format!(
            "{what}: {}",
            std::io::Error::from_raw_os_error(rc)
        )))
    }
}

/// The instant `timeout` from now on `clock`, as the POSIX timed waits want
/// it: an absolute time (`pthread_mutex_clocklock` and `sem_clockwait` take
/// CLOCK_MONOTONIC ones).
pub(crate) fn deadline_on(clock: libc::clockid_t, timeout: Duration) -> libc::timespec {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own.
    unsafe { libc::clock_gettime(clock, &mut now) };
    let timeout = timeout.min(Duration::from_secs(365 * 24 * 3600));
    let mut sec = now.tv_sec + timeout.as_secs() as libc::time_t;
    let mut nsec = now.tv_nsec + timeout.subsec_nanos() as libc::c_long;
    if nsec >= 1_000_000_000 {
        sec += 1;
        nsec -= 1_000_000_000;
    }
    libc::timespec {
        tv_sec: sec,
        tv_nsec: nsec,
    }
}

/// Time left until `deadline`, or `None` for no deadline.
pub(crate) fn remaining(deadline: Option<Instant>) -> Option<Duration> {
    deadline.map(|d| d.saturating_duration_since(Instant::now()))
}
