# The broadcast's root, with a type or a length of its choosing, for the
# page on mixed jobs: what a Rust rank expecting one int64 makes of it.
# Run it: mpiexec -n 1 python3 bcast_mismatch.py float64 1 : -n 2 target/debug/broadcast
import sys

from mpi4py import MPI
import numpy

comm = MPI.COMM_WORLD
dtype, count = sys.argv[1], int(sys.argv[2])  # e.g. float64 1, or int64 2

value = numpy.full(count, 100, dtype=dtype)
comm.Bcast(value, root=0)
print('process = %d sent %s (%s, %d bytes)' % (comm.rank, value, dtype, value.nbytes))
