# Collective communication using a gather function: rank 0 collects
# (rank+1)**2 from every rank. Run it: mpiexec -n 5 python3 gather.py
from mpi4py import MPI
import numpy

comm = MPI.COMM_WORLD
size = comm.Get_size()
rank = comm.Get_rank()

# The buffer form, Gather: one int64 from each rank into an array on rank 0
# (the book's comm.gather pickles each value into a list).
data = numpy.array([(rank + 1) ** 2], dtype=numpy.int64)
gathered = numpy.zeros(size, dtype=numpy.int64) if rank == 0 else None
comm.Gather(data, gathered, root=0)
if rank == 0:
    print('rank = %s ...receiving data to other process' % rank)
    for i in range(1, size):
        print(' process %s receiving %s from process %s' % (rank, gathered[i], i))
