//! How to optimize the communication: a Cartesian topology.
//!
//! The Python recipe arranges the ranks in a grid of
//! `floor(sqrt(N))` rows and `N // rows` columns with `comm.Create_cart`,
//! then asks each rank for its neighbours with `Shift`: up and down along
//! the rows, left and right along the columns. In a mesh a rank on the edge
//! has no neighbour there; in a torus the grid wraps round.
//!
//! Run it: `cargo run --bin topology` (4 ranks; `-- --torus` to wrap
//! round), or `mpiexec -n 4 target/debug/topology`.

use clap::Parser;
use common::mpi::Launch;
use mpi::topology::{Communicator, Rank};

#[derive(Parser)]
#[command(about = "Arrange the ranks in a grid and print each rank's neighbours")]
struct Args {
    /// Wrap the grid round in both directions (a torus) instead of a mesh
    #[arg(long)]
    torus: bool,
}

/// A missing neighbour is printed as -1, whatever the MPI library's own
/// value for "no process" is (-1 in MPICH, -2 in Open MPI).
fn show(neighbour: Option<Rank>) -> Rank {
    neighbour.unwrap_or(-1)
}

fn main() -> std::process::ExitCode {
    Launch::new(4).main(|args: &Args, world| {
        let periodic = args.torus; // a mesh, or with --torus a torus
        // ANCHOR: body
        let (rank, size) = (world.rank(), world.size());
        let grid_rows = (size as f64).sqrt().floor() as i32;
        let grid_columns = size / grid_rows;
        if rank == 0 {
            println!("Building a {grid_rows} x {grid_columns} grid topology:");
        }
        // `reorder = false` keeps every rank's number, so the tables read simply.
        let Some(grid) = world.create_cartesian_communicator(
            &[grid_rows, grid_columns],
            &[periodic, periodic],
            false,
        ) else {
            println!(
                "Process = {rank} is not in the {grid_rows} x {grid_columns} grid: \
                 {size} processes leave {} over",
                size - grid_rows * grid_columns
            );
            return Ok(());
        };
        let coordinates = grid.rank_to_coordinates(grid.rank());
        let (up, down) = grid.shift(0, 1);
        let (left, right) = grid.shift(1, 1);
        println!(
            "Process = {rank} row = {} column = {} ----> neighbour_processes[UP] = {} \
             neighbour_processes[DOWN] = {} neighbour_processes[LEFT] = {} neighbour_processes[RIGHT] = {}",
            coordinates[0],
            coordinates[1],
            show(up),
            show(down),
            show(left),
            show(right)
        );
        // ANCHOR_END: body
        Ok(())
    })
}
