//! Wrong: a guard that removes the name in `Drop`, which SIGKILL never runs.

use shared_memory::ShmemConf;

struct Unlink(String);

impl Drop for Unlink {
    fn drop(&mut self) {
        if let Ok(name) = std::ffi::CString::new(self.0.clone()) {
            // SAFETY: a valid C string.
            unsafe { libc::shm_unlink(name.as_ptr()) };
        }
    }
}

fn main() -> std::process::ExitCode {
    common::main(|| {
        let name = format!("/psm_exercise_{}", std::process::id());
        let _guard = Unlink(name.clone());
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
