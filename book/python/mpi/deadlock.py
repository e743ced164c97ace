# Avoiding deadlock problems: ranks 1 and 5 swap a letter. Receiving first
# on both sides would wait for ever; here rank 1 sends first and rank 5
# receives first. Run it: mpiexec -n 9 python3 deadlock.py
from mpi4py import MPI

comm = MPI.COMM_WORLD
rank = comm.rank


# Letters travel as UTF-8 bytes (Send/Recv), not pickled (send/recv as in
# the book), so the other side may be a Rust rank.
def send(text, dest):
    comm.Send(text.encode(), dest=dest)


def recv(source):
    status = MPI.Status()
    comm.Probe(source=source, status=status)  # how many bytes are coming?
    data = bytearray(status.Get_count(MPI.BYTE))
    comm.Recv(data, source=source)
    return data.decode()


if rank == 1:
    data_send = 'a'
    destination_process = 5
    source_process = 5
    send(data_send, dest=destination_process)
    print('sending data %s to process %d' % (data_send, destination_process))
    data_received = recv(source=source_process)
    print('data received is = %s' % data_received)
if rank == 5:
    data_send = 'b'
    destination_process = 1
    source_process = 1
    data_received = recv(source=source_process)
    print('data received is = %s' % data_received)
    send(data_send, dest=destination_process)
    print('sending data %s :to process %d' % (data_send, destination_process))
