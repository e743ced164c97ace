//! A solution: `all_gather_into` is a gather whose result every rank gets
//! (a gather followed by a broadcast, in one call).

use common::mpi::Launch;
use mpi::collective::CommunicatorCollectives;
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(4).run(None, |world| {
        let (rank, size) = (world.rank(), world.size() as usize);
        let mine = i64::from(std::process::id());
        println!("rank {rank} is pid {mine}");
        let mut all = vec![0i64; size];
        world.all_gather_into(&mine, &mut all[..]);
        println!("rank {rank} has {all:?}");
        Ok(())
    })
}
