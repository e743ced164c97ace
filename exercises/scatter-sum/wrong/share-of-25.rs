// Every rank takes 25 numbers, the share for 4 ranks: with 2 ranks half
// the numbers are never sent, with 5 there are not enough.

use common::mpi::Launch;
use mpi::collective::{Root, SystemOperation};
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(4).run(None, |world| {
        let pid = i64::from(std::process::id());
        println!("rank {} is pid {pid}", world.rank());
        let rank = world.rank();
        let root = world.process_at_rank(0);
        let mut share = [0i64; 25];
        if rank == 0 {
            let all: Vec<i64> = (1..=100).map(|i| pid + i).collect();
            root.scatter_into_root(&all[..], &mut share[..]);
        } else {
            root.scatter_into(&mut share[..]);
        }
        let partial: i64 = share.iter().sum();
        println!("rank {rank} summed {} numbers: {partial}", share.len());
        if rank == 0 {
            let mut total = 0i64;
            root.reduce_into_root(&partial, &mut total, SystemOperation::sum());
            println!("total {total}");
        } else {
            root.reduce_into(&partial, SystemOperation::sum());
        }
        Ok(())
    })
}
