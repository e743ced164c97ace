# Collective communication using broadcast: rank 0's value reaches every
# rank. Run it: mpiexec -n 10 python3 broadcast.py
from mpi4py import MPI
import numpy

comm = MPI.COMM_WORLD
rank = comm.Get_rank()

# The buffer form (Bcast, a numpy array of one int64), not the book's
# comm.bcast, which pickles: a Rust rank can take part in this one.
variable_to_share = numpy.zeros(1, dtype=numpy.int64)
if rank == 0:
    variable_to_share[0] = 100
comm.Bcast(variable_to_share, root=0)
print('process = %d variable shared  = %d' % (rank, variable_to_share[0]))
