# Point-to-point communication: rank 0 sends a number to rank 4, rank 1 a
# string to rank 8. Run it: mpiexec -n 9 python3 point-to-point.py
from mpi4py import MPI

comm = MPI.COMM_WORLD
rank = comm.rank
print('my rank is : %d' % rank)

if rank == 0:
    data = 10000000
    destination_process = 4
    comm.send(data, dest=destination_process)  # pickled: any object will do
    print('sending data %s to process %d' % (data, destination_process))
if rank == 1:
    data = 'hello'
    destination_process = 8
    comm.send(data, dest=destination_process)
    print('sending data %s :to process %d' % (data, destination_process))
if rank == 4:
    data = comm.recv(source=0)
    print('data received is = %s' % data)
if rank == 8:
    data1 = comm.recv(source=1)
    print('data1 received is = %s' % data1)
