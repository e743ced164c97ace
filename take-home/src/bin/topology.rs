//! The topology recipe, taken home: the ranks in a rows x columns mesh,
//! each printing its coordinates and neighbours (-1: none).
//! Run it with `mpiexec -n 4`.

use mpi::topology::{Communicator, Rank};

fn show(neighbour: Option<Rank>) -> Rank {
    neighbour.unwrap_or(-1)
}

fn main() {
    let universe = mpi::initialize().expect("MPI is initialised once");
    let world = universe.world();
    let (rank, size) = (world.rank(), world.size());
    let grid_rows = (f64::from(size)).sqrt().floor() as i32;
    let grid_columns = size / grid_rows;
    if rank == 0 {
        println!("Building a {grid_rows} x {grid_columns} grid topology:");
    }
    let Some(grid) =
        world.create_cartesian_communicator(&[grid_rows, grid_columns], &[false, false], false)
    else {
        println!("Process = {rank} is not in the {grid_rows} x {grid_columns} grid");
        return;
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
}
