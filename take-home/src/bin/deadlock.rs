//! The deadlock recipe's safe exchange, taken home: ranks 1 and 5 swap a
//! letter with one `sendrecv`, which cannot deadlock whatever the order.
//! Run it with `mpiexec -n 9` (at least 6 ranks).

use mpi::point_to_point::send_receive_into;
use mpi::topology::Communicator;

fn main() {
    let universe = mpi::initialize().expect("MPI is initialised once");
    let world = universe.world();
    if world.size() < 6 {
        eprintln!("error: run with at least 6 ranks (ranks 1 and 5 exchange messages)");
        std::process::exit(2);
    }
    let (partner, letter, sep) = match world.rank() {
        1 => (5, b'a', " "),
        5 => (1, b'b', " :"),
        _ => return, // only ranks 1 and 5 take part
    };
    let other = world.process_at_rank(partner);
    let mut received = [0_u8];
    send_receive_into(&[letter][..], &other, &mut received[..], &other);
    println!("sending data {}{sep}to process {partner}", letter as char);
    println!("data received is = {}", received[0] as char);
}
