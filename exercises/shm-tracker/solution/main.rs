//! One way to do it: the tracker hears of the name before the block exists.

#[path = "../../../ch3-multiprocessing/shared-memory/src/tracker.rs"]
#[allow(dead_code)]
mod tracker;

use shared_memory::ShmemConf;

fn main() -> std::process::ExitCode {
    common::main(|| {
        let tracker = tracker::ResourceTracker::start()?;
        let name = format!("/psm_exercise_{}", std::process::id());
        tracker.register(&name)?;
        let block = ShmemConf::new()
            .size(4096)
            .os_id(&name)
            .create()
            .map_err(|e| common::Error::new(format!("cannot create {name}: {e}")))?;
        println!("holding {}", block.get_os_id().trim_start_matches('/'));
        common::sleep(5.0);
        drop(block);
        tracker.unregister(&name)?;
        println!("done");
        Ok(())
    })
}
