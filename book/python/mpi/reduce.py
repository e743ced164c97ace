# Reduction operation: the ranks' arrays are summed element by element on
# rank 0. Run it: mpiexec -n 3 python3 reduce.py
from mpi4py import MPI
import numpy

comm = MPI.COMM_WORLD
size = comm.size
rank = comm.rank

senddata = (rank + 1) * numpy.arange(size, dtype=int)
print('process %s sending %s' % (rank, senddata))
recvdata = numpy.zeros(size, dtype=int)
comm.Reduce(senddata, recvdata, root=0, op=MPI.SUM)
if rank == 0:  # only the root's buffer holds the result
    print('on task %s after Reduce: data = %s' % (rank, recvdata))
