//! A solution: `gather` the pids on rank 0, which counts the distinct ones:
//! every rank is a process of its own.

use common::mpi::Launch;
use mpi::collective::Root;
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(4).run(None, |world| {
        let root = world.process_at_rank(0);
        let pid = std::process::id();
        println!("rank {} is pid {pid}", world.rank());
        if world.rank() == 0 {
            let mut pids = vec![0u32; world.size() as usize];
            root.gather_into_root(&pid, &mut pids[..]);
            println!("gathered {pids:?}");
            let n = pids.len();
            pids.sort_unstable();
            pids.dedup();
            println!("{n} processes, {} different pids", pids.len());
        } else {
            root.gather_into(&pid);
        }
        Ok(())
    })
}
