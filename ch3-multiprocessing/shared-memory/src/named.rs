//! Python 3.8's `multiprocessing.shared_memory` on the `shared_memory`
//! crate: [`SharedMemory`] blocks created and attached by name,
//! [`ShareableList`] of fixed-size values, and [`SharedMemoryManager`],
//! which removes what it created. Every block a program creates is
//! registered with a [`ResourceTracker`] first, so none outlives the
//! program, however it ends.
//!
//! It needs only crates from the registry (`shared_memory`, `nix`, `libc`):
//! copy it, with `tracker.rs`, into a program of your own.

use crate::tracker::ResourceTracker;
use shared_memory::{Shmem, ShmemConf};
use std::hash::{BuildHasher, Hasher};
use std::io::{Error, ErrorKind, Result};
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};

fn shm_error(what: &str, e: shared_memory::ShmemError) -> Error {
    Error::other(format!("{what}: {e}"))
}

/// A fresh name like Python's (`psm_` and hex digits). `RandomState` is
/// seeded from the operating system's randomness in every process.
fn fresh_name() -> String {
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    format!("/psm_{:016x}", random ^ u64::from(std::process::id()))
}

// ANCHOR: shared_memory
/// A block of bytes with a name in `/dev/shm`: any process that knows the
/// name can attach to it, a child or a program started separately.
pub struct SharedMemory<'t> {
    shmem: Option<Shmem>,
    /// The creator's tracker (attached blocks have none).
    tracker: Option<&'t ResourceTracker>,
}

impl<'t> SharedMemory<'t> {
    /// `SharedMemory(create=True, size=size)`: a new block of zeroed bytes,
    /// registered with `tracker` before it exists.
    pub fn create(size: usize, tracker: &'t ResourceTracker) -> Result<SharedMemory<'t>> {
        SharedMemory::create_named(&fresh_name(), size, tracker)
    }

    /// `SharedMemory(name, create=True, size=size)`: the same, with a name
    /// of your choosing (an error if a block has it already).
    pub fn create_named(
        name: &str,
        size: usize,
        tracker: &'t ResourceTracker,
    ) -> Result<SharedMemory<'t>> {
        let name = format!("/{}", name.trim_start_matches('/'));
        tracker.register(&name)?;
        match ShmemConf::new().size(size).os_id(&name).create() {
            Ok(shmem) => Ok(SharedMemory {
                shmem: Some(shmem),
                tracker: Some(tracker),
            }),
            Err(e) => {
                tracker.unregister(&name)?;
                Err(shm_error("cannot create shared memory", e))
            }
        }
    }

    /// `SharedMemory(name)`: attaches to a block someone else created.
    /// Dropping it only unmaps it here: the creator removes the name.
    pub fn attach(name: &str) -> Result<SharedMemory<'static>> {
        let os_id = format!("/{}", name.trim_start_matches('/'));
        let shmem = ShmemConf::new()
            .os_id(&os_id)
            .open()
            .map_err(|e| shm_error(&format!("no shared memory named {name}"), e))?;
        Ok(SharedMemory {
            shmem: Some(shmem),
            tracker: None,
        })
    }
    // ANCHOR_END: shared_memory

    fn shmem(&self) -> &Shmem {
        self.shmem.as_ref().expect("present until drop")
    }

    /// The name another process attaches with, as Python shows it (no `/`).
    pub fn name(&self) -> &str {
        self.shmem().get_os_id().trim_start_matches('/')
    }

    /// Its size in bytes.
    pub fn size(&self) -> usize {
        self.shmem().len()
    }

    /// Python's `buf`: the bytes, which other processes may change at any
    /// moment, hence atomics (an `AtomicU8` is laid out as a `u8`).
    pub fn buf(&self) -> &[AtomicU8] {
        // SAFETY: the mapping is `len()` bytes, lives as long as `self`,
        // and is only ever accessed through atomics from this side.
        unsafe { std::slice::from_raw_parts(self.shmem().as_ptr().cast(), self.size()) }
    }

    /// Copies `bytes` into the block at `offset`.
    pub fn write(&self, offset: usize, bytes: &[u8]) {
        for (cell, &b) in self.buf()[offset..offset + bytes.len()].iter().zip(bytes) {
            cell.store(b, Ordering::Relaxed);
        }
    }

    /// Copies `len` bytes out of the block from `offset`.
    pub fn read(&self, offset: usize, len: usize) -> Vec<u8> {
        self.buf()[offset..offset + len]
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .collect()
    }

    /// Gives up removing the name on drop (a [`SharedMemoryManager`] does it).
    fn disown(&mut self) {
        if let Some(shmem) = self.shmem.as_mut() {
            shmem.set_owner(false);
        }
        self.tracker = None;
    }
}

impl Drop for SharedMemory<'_> {
    /// Python's `close()`, and for the creator `unlink()` too: the crate
    /// removes the name when its owner drops, and the tracker is told after.
    fn drop(&mut self) {
        let Some(shmem) = self.shmem.take() else {
            return;
        };
        let name = shmem.get_os_id().to_string();
        drop(shmem);
        if let Some(tracker) = self.tracker {
            let _ = tracker.unregister(&name);
        }
    }
}

/// A value a [`ShareableList`] can hold: fixed size, stored as 64 bits.
pub trait Slot: Copy + std::fmt::Debug {
    /// The value's bits.
    fn to_bits(self) -> u64;
    /// The value back from its bits.
    fn from_bits(bits: u64) -> Self;
}

impl Slot for i64 {
    fn to_bits(self) -> u64 {
        self as u64
    }
    fn from_bits(bits: u64) -> Self {
        bits as i64
    }
}

impl Slot for f64 {
    fn to_bits(self) -> u64 {
        f64::to_bits(self)
    }
    fn from_bits(bits: u64) -> Self {
        f64::from_bits(bits)
    }
}

impl Slot for bool {
    fn to_bits(self) -> u64 {
        u64::from(self)
    }
    fn from_bits(bits: u64) -> Self {
        bits != 0
    }
}

// ANCHOR: shareable_list
/// Python's `ShareableList`: a list of a fixed length, of fixed-size
/// values, in a named block. The block holds the length, then one 64-bit
/// slot per value.
pub struct ShareableList<'t, T: Slot> {
    shm: SharedMemory<'t>,
    kind: PhantomData<T>,
}

impl<'t, T: Slot> ShareableList<'t, T> {
    /// A new list holding `values`.
    pub fn create(values: &[T], tracker: &'t ResourceTracker) -> Result<ShareableList<'t, T>> {
        let shm = SharedMemory::create(8 * (values.len() + 1), tracker)?;
        ShareableList::from_block(shm)?.filled(values)
    }

    fn filled(self, values: &[T]) -> Result<Self> {
        self.header().store(values.len() as u64, Ordering::Release);
        for (i, &v) in values.iter().enumerate() {
            self.set(i, v);
        }
        Ok(self)
    }

    /// Attaches to a list another process created.
    pub fn attach(name: &str) -> Result<ShareableList<'static, T>> {
        ShareableList::from_block(SharedMemory::attach(name)?)
    }

    fn from_block<'a>(shm: SharedMemory<'a>) -> Result<ShareableList<'a, T>> {
        if shm.size() < 8 || !(shm.shmem().as_ptr() as usize).is_multiple_of(8) {
            return Err(Error::new(ErrorKind::InvalidData, "not a ShareableList"));
        }
        Ok(ShareableList {
            shm,
            kind: PhantomData,
        })
    }

    fn slots(&self) -> &[AtomicU64] {
        // SAFETY: the block is page-aligned and at least 8 bytes (checked in
        // `from_block`); we touch it only through atomics.
        unsafe { std::slice::from_raw_parts(self.shm.shmem().as_ptr().cast(), self.shm.size() / 8) }
    }

    fn header(&self) -> &AtomicU64 {
        &self.slots()[0]
    }

    /// How many values it holds (fixed when it was created).
    pub fn len(&self) -> usize {
        (self.header().load(Ordering::Acquire) as usize).min(self.slots().len() - 1)
    }

    /// Whether it holds no values (the recipe never asks; a program taking it home may).
    #[allow(dead_code)]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value at `index` (panics past the end, like a slice).
    pub fn get(&self, index: usize) -> T {
        assert!(
            index < self.len(),
            "index {index} past the end of a ShareableList"
        );
        T::from_bits(self.slots()[index + 1].load(Ordering::Acquire))
    }

    /// Replaces the value at `index`.
    pub fn set(&self, index: usize, value: T) {
        assert!(
            index < self.len(),
            "index {index} past the end of a ShareableList"
        );
        self.slots()[index + 1].store(value.to_bits(), Ordering::Release);
    }
    // ANCHOR_END: shareable_list

    /// Every value, in order.
    pub fn to_vec(&self) -> Vec<T> {
        (0..self.len()).map(|i| self.get(i)).collect()
    }

    /// The block's name.
    pub fn name(&self) -> &str {
        self.shm.name()
    }
}

// ANCHOR: manager
/// Python's `SharedMemoryManager`: it creates blocks and lists, and removes
/// all of their names when it shuts down (or is dropped), whoever still
/// has them mapped. The blocks it hands out do not remove their names
/// themselves.
pub struct SharedMemoryManager<'t> {
    tracker: &'t ResourceTracker,
    names: Vec<String>,
}

impl<'t> SharedMemoryManager<'t> {
    /// A manager whose blocks are registered with `tracker`.
    pub fn new(tracker: &'t ResourceTracker) -> SharedMemoryManager<'t> {
        SharedMemoryManager {
            tracker,
            names: Vec::new(),
        }
    }

    /// `smm.SharedMemory(size)`.
    pub fn shared_memory(&mut self, size: usize) -> Result<SharedMemory<'static>> {
        let mut shm = SharedMemory::create(size, self.tracker)?;
        self.names.push(shm.name().to_string());
        shm.disown();
        // Nothing borrows the tracker any more: the manager does the unlinking.
        Ok(SharedMemory {
            shmem: shm.shmem.take(),
            tracker: None,
        })
    }

    /// `smm.ShareableList(values)`.
    pub fn shareable_list<T: Slot>(&mut self, values: &[T]) -> Result<ShareableList<'static, T>> {
        let shm = self.shared_memory(8 * (values.len() + 1))?;
        ShareableList::from_block(shm)?.filled(values)
    }

    /// The names of the blocks it created and has not removed yet.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Removes the name of every block it created.
    pub fn shutdown(&mut self) {
        for name in self.names.drain(..) {
            let os_id = format!("/{name}");
            let _ = nix::sys::mman::shm_unlink(os_id.as_str());
            let _ = self.tracker.unregister(&os_id);
        }
    }
}

impl Drop for SharedMemoryManager<'_> {
    fn drop(&mut self) {
        self.shutdown();
    }
}
// ANCHOR_END: manager
