# How to optimize the communication: a 2-D grid of ranks, and each rank's
# neighbours in it. Run it: mpiexec -n 4 python3 topology.py
from mpi4py import MPI
import numpy as np

UP, DOWN, LEFT, RIGHT = 0, 1, 2, 3
neighbour_processes = [0, 0, 0, 0]

comm = MPI.COMM_WORLD
rank = comm.rank
size = comm.size

grid_rows = int(np.floor(np.sqrt(size)))
grid_columns = size // grid_rows
if rank == 0:
    print('Building a %d x %d grid topology:' % (grid_rows, grid_columns))

# periods False: the edges have no neighbour (MPI.PROC_NULL); reorder False
# keeps every rank's number.
cartesian = comm.Create_cart((grid_rows, grid_columns), periods=(False, False), reorder=False)
if cartesian != MPI.COMM_NULL:  # ranks left over from the grid get no communicator
    my_row, my_col = cartesian.Get_coords(cartesian.rank)
    neighbour_processes[UP], neighbour_processes[DOWN] = cartesian.Shift(0, 1)
    neighbour_processes[LEFT], neighbour_processes[RIGHT] = cartesian.Shift(1, 1)
    print('Process = %s row = %s column = %s ----> neighbour_processes[UP] = %s '
          'neighbour_processes[DOWN] = %s neighbour_processes[LEFT] = %s '
          'neighbour_processes[RIGHT] = %s'
          % (rank, my_row, my_col, neighbour_processes[UP], neighbour_processes[DOWN],
             neighbour_processes[LEFT], neighbour_processes[RIGHT]))
