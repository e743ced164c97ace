//! What travels between the pool and its workers: functions (as offsets in
//! the executable; see `process/start.rs` for why an offset identifies a
//! function in every process), chunks of encoded inputs, and their results.

use super::worker::run_chunk;
use crate::process::{address_of, offset_of};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Runs a function over a chunk: `args` holds `count` encoded inputs one
/// after another; the answer holds `count` encoded `Result<R, String>`s the
/// same way. Whole chunks travel as one buffer each: no allocation per input.
type ChunkEntry = fn(target: usize, args: &[u8], count: usize) -> Vec<u8>;

#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub(super) struct Func {
    entry: isize,
    target: isize,
}

impl Func {
    pub(super) fn of<A: DeserializeOwned, R: Serialize>(f: fn(A) -> R) -> Func {
        fn entry<A: DeserializeOwned, R: Serialize>(
            target: usize,
            args: &[u8],
            count: usize,
        ) -> Vec<u8> {
            // SAFETY: `target` was made from a `fn(A) -> R` of this same executable.
            let f = unsafe { std::mem::transmute::<usize, fn(A) -> R>(target) };
            run_chunk(args, count, f)
        }
        Func {
            entry: offset_of(entry::<A, R> as ChunkEntry as usize),
            target: offset_of(f as usize),
        }
    }

    pub(super) fn of2<A: DeserializeOwned, B: DeserializeOwned, R: Serialize>(
        f: fn(A, B) -> R,
    ) -> Func {
        fn entry<A: DeserializeOwned, B: DeserializeOwned, R: Serialize>(
            target: usize,
            args: &[u8],
            count: usize,
        ) -> Vec<u8> {
            // SAFETY: `target` was made from a `fn(A, B) -> R` of this same executable.
            let f = unsafe { std::mem::transmute::<usize, fn(A, B) -> R>(target) };
            run_chunk(args, count, |(a, b): (A, B)| f(a, b))
        }
        Func {
            entry: offset_of(entry::<A, B, R> as ChunkEntry as usize),
            target: offset_of(f as usize),
        }
    }

    pub(super) fn call(&self, args: &[u8], count: usize) -> Vec<u8> {
        // SAFETY: `entry` was made from a `ChunkEntry` of this same executable.
        let entry = unsafe { std::mem::transmute::<usize, ChunkEntry>(address_of(self.entry)) };
        entry(address_of(self.target), args, count)
    }
}

#[derive(Serialize, Deserialize)]
pub(super) enum ToWorker {
    Task {
        id: TaskId,
        func: Func,
        count: usize,
        args: Vec<u8>,
    },
    Stop,
}

#[derive(Serialize, Deserialize)]
pub(super) struct Done {
    pub(super) id: TaskId,
    pub(super) count: usize,
    /// Each input's `Result<R, String>`, encoded one after another.
    pub(super) results: Vec<u8>,
}

/// A chunk of a job: the job, and the index of the chunk's first input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub(super) struct TaskId {
    pub(super) job: u64,
    pub(super) first: usize,
}
