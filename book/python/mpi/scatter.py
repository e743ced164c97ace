# Collective communication using a scatter function: rank r gets element r
# of rank 0's list. Run it: mpiexec -n 10 python3 scatter.py
from mpi4py import MPI

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
size = comm.Get_size()

# One element per rank (the book's list was fixed at ten numbers, so its
# program needed exactly ten ranks; comm.scatter insists on one per rank).
array_to_share = list(range(1, size + 1)) if rank == 0 else None
recvbuf = comm.scatter(array_to_share, root=0)
print('process = %d variable shared  = %d' % (rank, recvbuf))
