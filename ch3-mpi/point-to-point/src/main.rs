//! Point-to-point communication.
//!
//! In the Python recipe every rank prints its rank; then rank 0 sends the
//! integer 10000000 to rank 4 and rank 1 sends the string `hello` to rank
//! 8, with `comm.send`, and ranks 4 and 8 receive them with `comm.recv` and
//! print what arrived. It needs at least nine ranks.
//!
//! Run it: `cargo run --bin point-to-point` (9 ranks), or
//! `mpiexec -n 9 target/debug/point-to-point`.

use clap::Parser;
use common::mpi::Launch;
use mpi::point_to_point::{Destination, Source};
use mpi::topology::Communicator;

#[derive(Parser)]
#[command(about = "Rank 0 sends a number to rank 4, rank 1 a string to rank 8")]
struct Args {
    /// The number rank 0 sends to rank 4
    #[arg(long, default_value_t = 10_000_000, allow_negative_numbers = true)]
    number: i64,
    /// The text rank 1 sends to rank 8
    #[arg(long, default_value = "hello")]
    text: String,
}

const LAUNCH: Launch = Launch::new(9).at_least(9, "rank 0 sends to rank 4, and rank 1 to rank 8");

fn main() -> std::process::ExitCode {
    LAUNCH.main(|args: &Args, world| {
        let (number, text) = (args.number, &args.text);
        // ANCHOR: body
        let rank = world.rank();
        println!("my rank is : {rank}");
        match rank {
            0 => {
                let destination_process = 4;
                world.process_at_rank(destination_process).send(&number);
                println!("sending data {number} to process {destination_process}");
            }
            1 => {
                let destination_process = 8;
                // A string travels as its UTF-8 bytes: MPI moves typed buffers.
                world
                    .process_at_rank(destination_process)
                    .send(text.as_bytes());
                println!("sending data {text} :to process {destination_process}");
            }
            4 => {
                let (data, _status) = world.process_at_rank(0).receive::<i64>();
                println!("data received is = {data}");
            }
            8 => {
                let (bytes, _status) = world.process_at_rank(1).receive_vec::<u8>();
                let data1 = String::from_utf8_lossy(&bytes);
                println!("data1 received is = {data1}");
            }
            _ => {}
        }
        // ANCHOR_END: body
        Ok(())
    })
}
