//! What travels between the pool and its workers: functions (as offsets in
//! the executable; see `process/start.rs` for why an offset identifies a
//! function in every process), chunks of encoded inputs, and their results.

use super::worker::run_chunk;
use crate::process::{address_of, offset_of};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Runs a function over a chunk: `args` holds `count` encoded inputs one
/// after another; the answer holds `count` outcomes (see [`push_outcome`]).
/// Whole chunks travel as one buffer each: no allocation per input.
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

/// Appends one input's outcome to a chunk's results: its encoded length (8
/// bytes, little-endian), then the encoded `Result<R, String>`. Each outcome
/// stands alone, so one that cannot be encoded (here) or decoded (in the
/// parent) fails that input only and takes no other input's place. A
/// result that cannot be encoded becomes an `Err` saying so; an `Err` is
/// encoded the same whatever `R` is.
pub(super) fn push_outcome<R: Serialize>(
    out: &mut Vec<u8>,
    outcome: &std::result::Result<R, String>,
) {
    let start = out.len();
    out.extend_from_slice(&[0; 8]);
    if let Err(e) = postcard::to_extend(outcome, Tail(out)) {
        // The serializer may have written part of it before failing.
        out.truncate(start + 8);
        let failed: std::result::Result<(), String> = Err(format!("cannot encode its result: {e}"));
        if postcard::to_extend(&failed, Tail(out)).is_err() {
            // Cannot happen for a string; an empty outcome then fails to
            // decode, which is still that input's failure alone.
            out.truncate(start + 8);
        }
    }
    let len = (out.len() - start - 8) as u64;
    out[start..start + 8].copy_from_slice(&len.to_le_bytes());
}

/// Each input's encoded outcome in a chunk's results (see
/// [`push_outcome`]); `None` for those missing from a short buffer.
pub(super) fn outcomes(mut bytes: &[u8], count: usize) -> Vec<Option<&[u8]>> {
    (0..count)
        .map(|_| {
            let (head, rest) = bytes.split_first_chunk::<8>()?;
            let len = usize::try_from(u64::from_le_bytes(*head)).ok()?;
            let (one, rest) = rest.split_at_checked(len)?;
            bytes = rest;
            Some(one)
        })
        .collect()
}

/// Lets postcard append to a vector it does not own, so that a failed
/// encoding does not lose what the vector held.
struct Tail<'a>(&'a mut Vec<u8>);

impl Extend<u8> for Tail<'_> {
    fn extend<T: IntoIterator<Item = u8>>(&mut self, iter: T) {
        self.0.extend(iter);
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
    /// Each input's outcome (see [`push_outcome`]).
    pub(super) results: Vec<u8>,
}

/// A chunk of a job: the job, and the index of the chunk's first input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub(super) struct TaskId {
    pub(super) job: u64,
    pub(super) first: usize,
}
