//! Exercise: a block that outlives a killed program.
//!
//! This program creates a named shared memory block with the
//! `shared_memory` crate, holds it a while, and ends. The crate removes the
//! block's name from `/dev/shm` when the block is dropped, but a program
//! killed with SIGKILL drops nothing: the name stays behind.
//!
// TODO: make the program leave nothing in /dev/shm even when it is killed.
// Start the shared-memory recipe's resource tracker (the `tracker` module
// below) before the block exists, register the block's name with it
// *before* creating the block, and unregister it after the block is gone.

#[path = "../../../ch3-multiprocessing/shared-memory/src/tracker.rs"]
#[allow(dead_code)]
mod tracker;

use shared_memory::ShmemConf;

fn main() -> std::process::ExitCode {
    common::main(|| {
        let name = format!("/psm_exercise_{}", std::process::id());
        let block = ShmemConf::new()
            .size(4096)
            .os_id(&name)
            .create()
            .map_err(|e| common::Error::new(format!("cannot create {name}: {e}")))?;
        println!("holding {}", block.get_os_id().trim_start_matches('/'));
        common::sleep(5.0);
        drop(block);
        println!("done");
        Ok(())
    })
}
