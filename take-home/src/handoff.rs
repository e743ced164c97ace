//! Handing ipc-channel ends to a child program: the parent starts the
//! child with the name of a one-shot server; the child connects and is sent
//! its channel ends through ipc-channel itself. The parent's wait for the
//! connection is bounded: a child that dies first is an error, not a hang
//! (`IpcOneShotServer::accept` alone would wait for ever).
//!
//! Used by `bin/pipe.rs` and `bin/queue.rs` (`#[path = "../handoff.rs"]`).

use ipc_channel::ipc::{self, IpcOneShotServer, IpcSender};
use serde::{Serialize, de::DeserializeOwned};
use std::process::{Child, Command};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Errors as text, for programs this small.
pub type Result<T> = std::result::Result<T, String>;

/// Any error as text.
pub fn err(e: impl std::fmt::Debug) -> String {
    format!("{e:?}")
}

/// In a child: connect to the parent's server and receive what it hands over.
pub fn receive<T: Serialize + DeserializeOwned>(server: &str) -> Result<T> {
    let (tx, rx) = ipc::channel::<T>().map_err(err)?;
    IpcSender::<IpcSender<T>>::connect(server.to_string())
        .map_err(err)?
        .send(tx)
        .map_err(err)?;
    rx.recv().map_err(err)
}

/// In the parent: start this program as a child (`--child ROLE SERVER
/// EXTRA...`), wait (bounded) for it to connect, and hand it `value`.
pub fn start_child<T>(role: &str, extra: &[&str], value: T) -> Result<Child>
where
    T: Serialize + DeserializeOwned + Send + 'static,
{
    let (server, name) = IpcOneShotServer::<IpcSender<T>>::new().map_err(err)?;
    let mut child = Command::new(std::env::current_exe().map_err(err)?)
        .args(["--child", role, &name])
        .args(extra)
        .spawn()
        .map_err(err)?;
    let (done_tx, done) = mpsc::channel();
    let accepting = std::thread::spawn(move || {
        let _ = done_tx.send(server.accept().map(|(_, to_child)| to_child));
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(accepted) = done.recv_timeout(Duration::from_millis(10)) {
            let _ = accepting.join();
            accepted.map_err(err)?.send(value).map_err(err)?;
            return Ok(child);
        }
        let ended = child.try_wait().map_err(err)?;
        if ended.is_some() || Instant::now() > deadline {
            // Release the accept by connecting and hanging up, then give up.
            let _ = IpcSender::<IpcSender<T>>::connect(name);
            let _ = accepting.join();
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("the {role} child never connected ({ended:?})"));
        }
    }
}
