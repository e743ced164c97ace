//! The point-to-point recipe, taken home: rank 0 sends a number to rank 4,
//! rank 1 a string to rank 8. Run it with `mpiexec -n 9`.

use mpi::point_to_point::{Destination, Source};
use mpi::topology::Communicator;

fn main() {
    let universe = mpi::initialize().expect("MPI is initialised once");
    let world = universe.world();
    if world.size() < 9 {
        eprintln!(
            "error: run with at least 9 ranks (rank 0 sends to rank 4, and rank 1 to rank 8)"
        );
        std::process::exit(2);
    }
    let rank = world.rank();
    println!("my rank is : {rank}");
    match rank {
        0 => {
            let data = 10_000_000_i64;
            world.process_at_rank(4).send(&data);
            println!("sending data {data} to process 4");
        }
        1 => {
            world.process_at_rank(8).send("hello".as_bytes());
            println!("sending data hello :to process 8");
        }
        4 => {
            let (data, _status) = world.process_at_rank(0).receive::<i64>();
            println!("data received is = {data}");
        }
        8 => {
            let (bytes, _status) = world.process_at_rank(1).receive_vec::<u8>();
            println!("data1 received is = {}", String::from_utf8_lossy(&bytes));
        }
        _ => {}
    }
}
