//! The shared record area: fixed-size records in a memfd every process of
//! the run maps, appended with one atomic add, read by the merger at the end.

use crate::Result;
use nix::sys::mman::{MapFlags, ProtFlags, mmap};
use std::num::NonZeroUsize;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::Once;
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};

/// One record: eight words. Word 1 (pid and kind) is stored last, so a
/// record whose writer was killed halfway reads as empty, never as half.
type Slot = [AtomicU64; 8];
/// Bytes of text a record carries (a process's name, what it waits for).
pub(crate) const TEXT: usize = 32;
/// Records the area holds (16 MiB of memory, touched only as it fills);
/// slot 0 holds the count of records taken.
const SLOTS: usize = 1 << 18;
const BYTES: usize = SLOTS * std::mem::size_of::<Slot>();

/// What a record says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// The process runs its own code: `a` its MPI rank or -1, text its name.
    Start = 1,
    /// The process ends itself: `a` its exit code, text a note.
    Exit,
    /// The process reaped its child `a`, whose exit code is `b`.
    Reaped,
    /// A wait begins: `a` is 1 (blocked) or 2 (sleeping), text what for.
    Begin,
    /// The innermost wait ends.
    End,
    /// An item was sent (`a`: 1 queue, 2 pipe) whose bytes hash to `b`.
    Sent,
    /// An item was received (`a`, `b` as for `Sent`).
    Received,
    /// The process sent signal `b` to process `a`.
    Signal,
    /// The process started child `a`, named by the text.
    Spawned,
}

impl Kind {
    fn from(n: u64) -> Option<Kind> {
        use Kind::*;
        [
            Start, Exit, Reaped, Begin, End, Sent, Received, Signal, Spawned,
        ]
        .into_iter()
        .find(|k| *k as u64 == n)
    }
}

/// A record as the merger reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// `CLOCK_MONOTONIC`, in nanoseconds.
    pub ns: u64,
    pub pid: i32,
    pub kind: Kind,
    pub a: i64,
    pub b: u64,
    pub text: String,
}

static BASE: AtomicPtr<Slot> = AtomicPtr::new(std::ptr::null_mut());
static CHECKED: Once = Once::new();

/// The area, if this run is recorded. The first call in a process looks at
/// the environment; every later one is an atomic load.
fn slots() -> Option<&'static [Slot]> {
    CHECKED.call_once(|| {
        if let Some(ptr) = std::env::var(super::VAR)
            .ok()
            .as_deref()
            .and_then(super::split_env)
            .and_then(|(area, _)| open(area).ok())
        {
            BASE.store(ptr, Ordering::Release);
        }
    });
    let base = BASE.load(Ordering::Acquire);
    if base.is_null() {
        return None;
    }
    // SAFETY: `base` is a shared mapping of BYTES bytes that is never
    // unmapped, and holds only atomics.
    Some(unsafe { std::slice::from_raw_parts(base, SLOTS) })
}

/// Maps `len` bytes of `fd`, shared, for the rest of the process's life.
fn map(fd: &OwnedFd) -> Result<*mut Slot> {
    let len = NonZeroUsize::new(BYTES).expect("not zero");
    // SAFETY: a fresh shared mapping of a file we hold, sized BYTES; it is
    // never unmapped, so references into it live as long as the process.
    let ptr = unsafe {
        mmap(
            None,
            len,
            ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
            MapFlags::MAP_SHARED,
            fd,
            0,
        )?
    };
    Ok(ptr.as_ptr().cast())
}

/// Maps the merger's area, named as `/proc/<pid>/fd/<n>`.
fn open(path: &str) -> Result<*mut Slot> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)?;
    map(&OwnedFd::from(file))
}

/// The merger's area: a memfd, reached by the others through `/proc`.
pub(crate) struct Area {
    fd: OwnedFd,
    base: *mut Slot,
}

// SAFETY: the pointer is to a process-wide shared mapping of atomics.
unsafe impl Send for Area {}

impl Area {
    pub(crate) fn create() -> Result<Area> {
        let fd = nix::sys::memfd::memfd_create(
            c"cookbook-timeline",
            nix::sys::memfd::MFdFlags::MFD_CLOEXEC,
        )?;
        nix::unistd::ftruncate(&fd, BYTES as i64)?;
        let base = map(&fd)?;
        Ok(Area { fd, base })
    }

    /// How another process of the run opens it.
    pub(crate) fn env_value(&self) -> String {
        format!("/proc/{}/fd/{}", nix::unistd::getpid(), self.fd.as_raw_fd())
    }

    /// Every whole record, in the order they were taken.
    pub(crate) fn read(&self) -> Vec<Event> {
        // SAFETY: as in `slots`: our own mapping, never unmapped, of atomics.
        let slots = unsafe { std::slice::from_raw_parts(self.base, SLOTS) };
        let taken = (slots[0][0].load(Ordering::Acquire) as usize).min(SLOTS - 1);
        slots[1..=taken].iter().filter_map(decode).collect()
    }
}

/// Makes `area` this process's place to record (the merger's own).
pub(crate) fn install(area: &Area) -> Result<()> {
    CHECKED.call_once(|| {});
    BASE.store(area.base, Ordering::Release);
    Ok(())
}

/// Stops recording in this process (the area stays mapped: a thread may
/// still be writing a record into it).
pub(crate) fn uninstall() {
    BASE.store(std::ptr::null_mut(), Ordering::Release);
}

fn decode(slot: &Slot) -> Option<Event> {
    let head = slot[1].load(Ordering::Acquire);
    let kind = Kind::from(head >> 32)?;
    let mut text = Vec::with_capacity(TEXT);
    for word in &slot[4..8] {
        text.extend_from_slice(&word.load(Ordering::Relaxed).to_le_bytes());
    }
    let end = text.iter().position(|&b| b == 0).unwrap_or(TEXT);
    Some(Event {
        ns: slot[0].load(Ordering::Relaxed),
        pid: head as u32 as i32,
        kind,
        a: slot[2].load(Ordering::Relaxed) as i64,
        b: slot[3].load(Ordering::Relaxed),
        text: String::from_utf8_lossy(&text[..end]).into_owned(),
    })
}

/// Now, on the clock every process of the machine shares.
pub(crate) fn now() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

fn put(slots: &[Slot], kind: Kind, a: i64, b: u64, text: &str) {
    let index = slots[0][0].fetch_add(1, Ordering::Relaxed) as usize + 1;
    // A full area drops what comes after; the picture says how many.
    let Some(slot) = slots.get(index) else { return };
    let mut bytes = [0u8; TEXT];
    let mut cut = text.len().min(TEXT);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    bytes[..cut].copy_from_slice(&text.as_bytes()[..cut]);
    slot[0].store(now(), Ordering::Relaxed);
    slot[2].store(a as u64, Ordering::Relaxed);
    slot[3].store(b, Ordering::Relaxed);
    for (word, chunk) in slot[4..8].iter().zip(bytes.chunks(8)) {
        word.store(
            u64::from_le_bytes(chunk.try_into().expect("8 bytes")),
            Ordering::Relaxed,
        );
    }
    let pid = std::process::id() as u64;
    slot[1].store((kind as u64) << 32 | pid, Ordering::Release);
}

fn record(kind: Kind, a: i64, b: u64, text: &str) {
    if let Some(slots) = slots() {
        put(slots, kind, a, b, text);
    }
}

/// Waits are drawn for a process's main thread only: a helper thread
/// waiting (a queue's feeder, a pool's result reader) is not the process.
fn on_main_thread() -> bool {
    nix::unistd::gettid() == nix::unistd::getpid()
}

pub(crate) fn started(name: &str, rank: i32) {
    record(Kind::Start, rank.into(), 0, name);
}

pub(crate) fn exited(code: i32, note: &str) {
    record(Kind::Exit, code.into(), 0, note);
}

pub(crate) fn spawned(pid: i32, name: &str) {
    record(Kind::Spawned, pid.into(), 0, name);
}

pub(crate) fn reaped(pid: i32, exitcode: i32) {
    record(Kind::Reaped, pid.into(), exitcode as i64 as u64, "");
}

pub(crate) fn signalled(pid: i32, signal: i32) {
    record(Kind::Signal, pid.into(), signal as u64, "");
}

/// Whether this run is recorded (for a caller that would otherwise
/// format a label for nothing).
#[cfg(feature = "mpi")]
pub(crate) fn recording() -> bool {
    slots().is_some()
}

/// Which kind of channel an item went through.
pub(crate) const QUEUE: i64 = 1;
pub(crate) const PIPE: i64 = 2;

pub(crate) fn sent(channel: i64, bytes: &[u8]) {
    if let Some(slots) = slots() {
        put(slots, Kind::Sent, channel, hash(bytes), "");
    }
}

pub(crate) fn received(channel: i64, bytes: &[u8]) {
    if let Some(slots) = slots() {
        put(slots, Kind::Received, channel, hash(bytes), "");
    }
}

/// FNV-1a of the length and the first bytes: enough to pair an item sent
/// with the same item received, without reading a big one whole.
fn hash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in (bytes.len() as u64)
        .to_le_bytes()
        .iter()
        .chain(&bytes[..bytes.len().min(256)])
    {
        h = (h ^ b as u64).wrapping_mul(0x100_0000_01b3);
    }
    h
}

/// A wait in progress: recorded when made, its end when dropped.
#[must_use = "the wait ends when this is dropped"]
pub(crate) struct Blocked(bool);

impl Drop for Blocked {
    fn drop(&mut self) {
        if self.0 {
            record(Kind::End, 0, 0, "");
        }
    }
}

fn wait(state: i64, what: &str) -> Blocked {
    match slots() {
        Some(slots) if on_main_thread() => {
            put(slots, Kind::Begin, state, 0, what);
            Blocked(true)
        }
        _ => Blocked(false),
    }
}

/// The process waits, blocked, for `what` (`join Process-1`, `get`, ...).
pub(crate) fn blocked(what: &str) -> Blocked {
    wait(1, what)
}

/// The process sleeps.
pub(crate) fn sleeping() -> Blocked {
    wait(2, "sleep")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_reads_back_as_written_and_long_text_is_cut_on_a_char() {
        let area = Area::create().unwrap();
        // SAFETY: the area's own mapping.
        let slots = unsafe { std::slice::from_raw_parts(area.base, SLOTS) };
        put(slots, Kind::Start, -1, 7, "MainProcess");
        put(slots, Kind::Begin, 1, 0, &"é".repeat(40));
        let events = area.read();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].kind, Kind::Start);
        assert_eq!((events[0].a, events[0].b), (-1, 7));
        assert_eq!(events[0].text, "MainProcess");
        assert_eq!(events[0].pid, std::process::id() as i32);
        assert_eq!(events[1].text, "é".repeat(16));
        assert!(events[0].ns <= events[1].ns);
    }

    #[test]
    fn equal_items_hash_alike_and_others_not() {
        assert_eq!(hash(b"hello"), hash(b"hello"));
        assert_ne!(hash(b"hello"), hash(b"hellp"));
        assert_ne!(hash(&[0; 300]), hash(&[0; 301]));
    }
}
