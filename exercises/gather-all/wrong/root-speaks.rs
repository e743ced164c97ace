// Rank 0 gathers the pids and prints "rank R has [..]" for every rank,
// the others print nothing of their own: the lines are right, but only
// rank 0 has the list. The launcher labels each line with the rank that
// printed it, and the check reads the labels.

use common::mpi::Launch;
use mpi::collective::Root;
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(4).run(None, |world| {
        let (rank, size) = (world.rank(), world.size() as usize);
        let mine = i64::from(std::process::id());
        println!("rank {rank} is pid {mine}");
        let root = world.process_at_rank(0);
        if rank == 0 {
            let mut all = vec![0i64; size];
            root.gather_into_root(&mine, &mut all[..]);
            for r in 0..size {
                println!("rank {r} has {all:?}");
            }
        } else {
            root.gather_into(&mine);
        }
        Ok(())
    })
}
