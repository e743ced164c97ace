//! [`ipc-channel`](https://docs.rs/ipc-channel) as a transport between a
//! parent and its [`Process`] children, with the one-shot server's wait
//! bounded.
//!
//! ipc-channel's channels cannot travel as a `Process` argument: they cross
//! only inside ipc-channel messages (the descriptors go with them). So a
//! parent makes a [`Handoff`], a one-shot server with a name, and gives the
//! child that name; the child connects with [`receive`], and the parent
//! sends it whatever channel ends it should have, through ipc-channel
//! itself. `IpcOneShotServer::accept` alone waits for ever if the child
//! dies before connecting: [`Handoff::give`] gives up when the child has
//! ended or the time is out, with an error.

use crate::{Error, Process, Result};
use ipc_channel::ipc::{self, IpcOneShotServer, IpcSender};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::{Duration, Instant};

pub use ipc_channel::ipc::{IpcReceiver, IpcSharedMemory, channel};

/// How long [`Handoff::give`] waits for a child that is still alive.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

fn io_error(what: &str, e: impl std::fmt::Display) -> Error {
    Error::new(format!("ipc-channel: {what}: {e}"))
}

// ANCHOR: handoff
/// A one-shot server a child connects to, to be handed a value of type `T`
/// (channel ends, typically) through ipc-channel.
pub struct Handoff<T: Serialize + DeserializeOwned + Send + 'static> {
    server: IpcOneShotServer<IpcSender<T>>,
    name: String,
}

impl<T: Serialize + DeserializeOwned + Send + 'static> Handoff<T> {
    /// A new server, listening on a socket in the temporary directory.
    pub fn new() -> Result<Handoff<T>> {
        let (server, name) = IpcOneShotServer::new().map_err(|e| io_error("server", e))?;
        Ok(Handoff { server, name })
    }

    /// What the child needs to connect: pass it as a `Process` argument.
    pub fn name(&self) -> String {
        self.name.clone()
    }

    /// Waits for `child` to connect, then sends it `value`. Gives up with an
    /// error if the child ends first or `timeout` passes: the server's
    /// `accept` runs on a thread of its own, and is released by connecting
    /// to it from here.
    pub fn give(self, child: &Process, value: T, timeout: Duration) -> Result<()> {
        let (done_tx, done) = crossbeam_channel::bounded(1);
        let server = self.server;
        let accepting = std::thread::Builder::new()
            .name("ipc-accept".into())
            .spawn(move || {
                let _ = done_tx.send(server.accept());
            })?;
        let deadline = Instant::now() + timeout;
        let outcome = loop {
            match done.recv_timeout(Duration::from_millis(10)) {
                Ok(accepted) => break Ok(accepted),
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => {
                    break Err(Error::new("ipc-channel: the accepting thread died"));
                }
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
            }
            // Another look after the child ended: it may have connected just before.
            let gone = !child.is_alive();
            if gone || Instant::now() >= deadline {
                if let Ok(accepted) = done.try_recv() {
                    break Ok(accepted);
                }
                let why = if gone {
                    format!(
                        "{} ended (exit code {}) before connecting",
                        child.get_name(),
                        child.exitcode().map_or("unknown".into(), |c| c.to_string())
                    )
                } else {
                    format!(
                        "{} did not connect within {} s",
                        child.get_name(),
                        timeout.as_secs_f64()
                    )
                };
                // Release the accept: connect, and hang up without a message.
                let _ = IpcSender::<IpcSender<T>>::connect(self.name.clone());
                let _ = accepting.join();
                return Err(Error::new(format!("ipc-channel handoff: {why}")));
            }
        };
        let _ = accepting.join();
        let (_, to_child) = outcome?.map_err(|e| io_error("accept", format!("{e:?}")))?;
        to_child
            .send(value)
            .map_err(|e| io_error("send to the child", e))
    }
}

/// In the child: connects to the parent's [`Handoff`] named `name` and
/// receives what the parent gives.
pub fn receive<T: Serialize + DeserializeOwned>(name: &str) -> Result<T> {
    let (tx, rx) = ipc::channel::<T>().map_err(|e| io_error("channel", e))?;
    let parent =
        IpcSender::<IpcSender<T>>::connect(name.to_string()).map_err(|e| io_error("connect", e))?;
    parent.send(tx).map_err(|e| io_error("send", e))?;
    rx.recv().map_err(|e| io_error("receive", format!("{e:?}")))
}
// ANCHOR_END: handoff
