# A rank of the broadcast recipe with the buffer type and length of your
# choice, for the page on mixed jobs: what happens when the two languages
# do not agree. The root sends `count` values 100 of type `dtype`; the other
# ranks receive into a buffer of that type and length.
# Run it: mpiexec -n 1 python3 bcast_mismatch.py float64 1 : -n 2 target/debug/broadcast
import sys

from mpi4py import MPI
import numpy

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
dtype, count = sys.argv[1], int(sys.argv[2])  # e.g. float64 1, or int32 1

if rank == 0:
    value = numpy.full(count, 100, dtype=dtype)
else:
    value = numpy.zeros(count, dtype=dtype)
comm.Bcast(value, root=0)  # a message longer than the buffer raises here
print('process = %d variable shared  = %s (%s, %d bytes)' % (rank, value, dtype, value.nbytes))
