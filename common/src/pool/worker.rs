//! The worker process: its setup, its loop, and how it runs a chunk.

use super::wire::{Done, FromWorker, Func, ToWorker, outcomes, push_outcome};
use crate::Result;
use crate::pipe::Connection;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;

#[derive(Serialize, Deserialize)]
pub(super) struct WorkerSetup {
    pub(super) conn: Connection,
    pub(super) initializer: Option<(Func, Vec<u8>)>,
    pub(super) max_tasks: Option<u32>,
}

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `call` on each of `count` inputs decoded from `args`, each under
/// `catch_unwind`, and encodes each outcome on its own.
pub(super) fn run_chunk<A: DeserializeOwned, R: Serialize>(
    args: &[u8],
    count: usize,
    call: impl Fn(A) -> R,
) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = args;
    for _ in 0..count {
        let outcome: std::result::Result<R, String> = match postcard::take_from_bytes::<A>(rest) {
            Ok((arg, tail)) => {
                rest = tail;
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| call(arg))).map_err(|_| {
                    LAST_PANIC
                        .with(|p| p.borrow_mut().take())
                        .unwrap_or_else(|| "panicked".into())
                })
            }
            Err(e) => Err(format!("cannot decode the input: {e}")),
        };
        push_outcome(&mut out, &outcome);
    }
    out
}

// ANCHOR: worker
/// A worker's life: run the initializer and say whether it worked, then
/// chunks of tasks until told to stop (or until `max_tasks` chunks are
/// done). Each input runs under `catch_unwind` (see `run_chunk`), so a
/// panic fails that input only.
pub(super) fn worker_main(setup: WorkerSetup) -> Result<()> {
    // A panicking task is reported to the caller, with its message and
    // place; the worker keeps quiet about it.
    std::panic::set_hook(Box::new(|info| {
        let text = info.to_string().replace('\n', " ");
        LAST_PANIC.with(|p| *p.borrow_mut() = Some(text));
    }));
    if let Some((func, arg)) = &setup.initializer {
        let outcome = func.call(arg, 1);
        let first = outcomes(&outcome, 1).into_iter().next().flatten();
        if let Some(Ok(Err(why))) =
            first.map(postcard::from_bytes::<std::result::Result<(), String>>)
        {
            // The pool reports it, once, and starts no more workers; this
            // one leaves quietly.
            setup.conn.send(&FromWorker::InitFailed(why))?;
            return Ok(());
        }
    }
    setup.conn.send(&FromWorker::Ready)?;
    let mut done = 0;
    while let Ok(ToWorker::Task {
        id,
        func,
        count,
        args,
    }) = setup.conn.recv::<ToWorker>()
    {
        let results = func.call(&args, count);
        setup
            .conn
            .send(&FromWorker::Done(Done { id, count, results }))?;
        done += 1;
        if setup.max_tasks.is_some_and(|max| done >= max) {
            break; // the pool starts a fresh worker in our place
        }
    }
    Ok(())
}
// ANCHOR_END: worker
