// Every line is right, but rank 0 works the total out from its own list
// instead of reducing the partial sums: the other ranks' work is never
// used. The check sees no reduce in the calls the ranks make.

use common::mpi::Launch;
use mpi::collective::Root;
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(4).run(None, |world| {
        let pid = i64::from(std::process::id());
        println!("rank {} is pid {pid}", world.rank());
        let rank = world.rank();
        let root = world.process_at_rank(0);
        let mut share = vec![0i64; 100 / world.size() as usize];
        if rank == 0 {
            let all: Vec<i64> = (1..=100).map(|i| pid + i).collect();
            root.scatter_into_root(&all[..], &mut share[..]);
        } else {
            root.scatter_into(&mut share[..]);
        }
        let partial: i64 = share.iter().sum();
        println!("rank {rank} summed {} numbers: {partial}", share.len());
        if rank == 0 {
            // The whole list is here: add it up again instead of reducing.
            let total: i64 = (1..=100).map(|i| pid + i).sum();
            println!("total {total}");
        }
        Ok(())
    })
}
