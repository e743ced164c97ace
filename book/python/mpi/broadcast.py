# Collective communication using broadcast: rank 0's value reaches every
# rank. Run it: mpiexec -n 10 python3 broadcast.py
from mpi4py import MPI

comm = MPI.COMM_WORLD
rank = comm.Get_rank()

variable_to_share = 100 if rank == 0 else None
variable_to_share = comm.bcast(variable_to_share, root=0)
print('process = %d variable shared  = %d' % (rank, variable_to_share))
