# Collective communication using Alltoall: element j of rank r's array goes
# to rank j. Run it: mpiexec -n 5 python3 alltoall.py
from mpi4py import MPI
import numpy

comm = MPI.COMM_WORLD
size = comm.Get_size()
rank = comm.Get_rank()

senddata = (rank + 1) * numpy.arange(size, dtype=int)
recvdata = numpy.empty(size, dtype=int)
comm.Alltoall(senddata, recvdata)  # buffers: sent as memory, not pickled
print('process %s sending %s receiving %s' % (rank, senddata, recvdata))
