//! The worker process: its setup, its loop, and how it runs a chunk.

use super::wire::{Done, FromWorker, Func, Inbox, ToWorker, outcomes, push_outcome};
use crate::Result;
use crate::pipe::Connection;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::os::fd::AsFd;
use std::time::Instant;

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
    // Chunks are read as they come, several at a time when the pool has
    // sent several.
    let mut inbox = Inbox::default();
    let mut done = 0;
    while let Some(ToWorker::Task {
        id,
        func,
        count,
        args,
    }) = next_message(&mut inbox, &setup.conn)
    {
        let started = Instant::now();
        let results = func.call(&args, count);
        let ran_ns = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        setup.conn.send(&FromWorker::Done(Done {
            id,
            count,
            results,
            ran_ns,
        }))?;
        done += 1;
        if setup.max_tasks.is_some_and(|max| done >= max) {
            break; // the pool starts a fresh worker in our place
        }
    }
    Ok(())
}

/// The next message from the pool, reading (and waiting) for it if none is
/// held; `None` at the end: the pool closed its end, or sent what does not
/// decode (a worker cannot go on from there).
fn next_message(inbox: &mut Inbox, conn: &Connection) -> Option<ToWorker> {
    loop {
        match inbox.next() {
            Ok(Some(message)) => return Some(message),
            Ok(None) => {}
            Err(_) => return None,
        }
        let _wait = crate::timeline::blocked("recv");
        match inbox.read(conn.as_fd()) {
            Ok((0, _)) => return None,
            Ok(_) | Err(nix::errno::Errno::EINTR) => {}
            Err(_) => return None,
        }
    }
}
// ANCHOR_END: worker
