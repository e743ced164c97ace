// The numbers are 1 to 9, written for 3 ranks: with more ranks there are
// too few to scatter, with fewer the last ones are never sent.

use common::mpi::Launch;
use mpi::collective::Root;
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(3).run(None, |world| {
        let rank = world.rank();
        let root = world.process_at_rank(0);
        let mut mine = [0i64; 3];
        if rank == 0 {
            let all: Vec<i64> = (1..=9).collect();
            root.scatter_into_root(&all[..], &mut mine[..]);
        } else {
            root.scatter_into(&mut mine[..]);
        }
        println!("rank {rank} got {mine:?}");
        Ok(())
    })
}
