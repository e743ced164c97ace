# Using the mpi4py Python module: every rank says hello.
# Run it: mpiexec -n 5 python3 hello.py
from mpi4py import MPI

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
print('hello world from process %d' % rank)
