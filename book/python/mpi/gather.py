# Collective communication using a gather function: rank 0 collects
# (rank+1)**2 from every rank. Run it: mpiexec -n 5 python3 gather.py
from mpi4py import MPI

comm = MPI.COMM_WORLD
size = comm.Get_size()
rank = comm.Get_rank()

data = (rank + 1) ** 2
data = comm.gather(data, root=0)  # a list on rank 0, None elsewhere
if rank == 0:
    print('rank = %s ...receiving data to other process' % rank)
    for i in range(1, size):
        print(' process %s receiving %s from process %s' % (rank, data[i], i))
