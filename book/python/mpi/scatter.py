# Collective communication using a scatter function: rank r gets element r
# of rank 0's list. Run it: mpiexec -n 10 python3 scatter.py
from mpi4py import MPI
import numpy

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
size = comm.Get_size()

# One int64 per rank (the book's list was fixed at ten numbers, so its
# program needed exactly ten ranks). The buffer form, Scatter, sends raw
# int64s where the book's comm.scatter pickles each item.
array_to_share = numpy.arange(1, size + 1, dtype=numpy.int64) if rank == 0 else None
recvbuf = numpy.zeros(1, dtype=numpy.int64)
comm.Scatter(array_to_share, recvbuf, root=0)
print('process = %d variable shared  = %d' % (rank, recvbuf[0]))
