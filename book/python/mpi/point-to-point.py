# Point-to-point communication: rank 0 sends a number to rank 4, rank 1 a
# string to rank 8. Run it: mpiexec -n 9 python3 point-to-point.py
from mpi4py import MPI
import numpy

comm = MPI.COMM_WORLD
rank = comm.rank
print('my rank is : %d' % rank)

# Buffers, not the book's pickled comm.send: the number travels as one
# int64, the string as its UTF-8 bytes, which a Rust rank can read too.
if rank == 0:
    data = 10000000
    destination_process = 4
    comm.Send(numpy.array([data], dtype=numpy.int64), dest=destination_process)
    print('sending data %s to process %d' % (data, destination_process))
if rank == 1:
    data = 'hello'
    destination_process = 8
    comm.Send(data.encode(), dest=destination_process)
    print('sending data %s :to process %d' % (data, destination_process))
if rank == 4:
    data = numpy.zeros(1, dtype=numpy.int64)
    comm.Recv(data, source=0)
    print('data received is = %s' % data[0])
if rank == 8:
    status = MPI.Status()
    comm.Probe(source=1, status=status)  # how many bytes are coming?
    data1 = bytearray(status.Get_count(MPI.BYTE))
    comm.Recv(data1, source=1)
    print('data1 received is = %s' % data1.decode())
