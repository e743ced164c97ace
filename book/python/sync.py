# How to synchronize processes: two processes meet at a barrier, then print
# one at a time under a lock; two others print at once.
import multiprocessing
from datetime import datetime
from time import time


def stamp(seconds):
    # With the microseconds always shown (str() drops them when they are 0).
    return datetime.fromtimestamp(seconds).strftime('%Y-%m-%d %H:%M:%S.%f')


def test_with_barrier(synchronizer, serializer):
    name = multiprocessing.current_process().name
    synchronizer.wait()
    now = time()  # read before the lock is taken
    with serializer:
        print('process %s ----> %s' % (name, stamp(now)))


def test_without_barrier():
    name = multiprocessing.current_process().name
    print('process %s ----> %s' % (name, stamp(time())))


if __name__ == '__main__':
    synchronizer = multiprocessing.Barrier(2)
    serializer = multiprocessing.Lock()
    for i in (1, 2):
        multiprocessing.Process(name='p%d - test_with_barrier' % i,
                                target=test_with_barrier,
                                args=(synchronizer, serializer)).start()
    for i in (3, 4):
        multiprocessing.Process(name='p%d - test_without_barrier' % i,
                                target=test_without_barrier).start()
    # The processes are joined when the main program ends.
