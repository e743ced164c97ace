//! A solution: `all_gather_into` is a gather whose result every rank gets
//! (a gather followed by a broadcast, in one call).

use common::mpi::Launch;
use mpi::collective::CommunicatorCollectives;
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(4).run(None, |world| {
        let (rank, size) = (world.rank(), world.size() as usize);
        let mine = (rank as i64 + 1).pow(2);
        let mut all = vec![0i64; size];
        world.all_gather_into(&mine, &mut all[..]);
        println!("rank {rank} has {all:?}");
        Ok(())
    })
}
