# Named shared memory (Python 3.8+): a block created here is attached by
# name from a child process, then from a separate program (this script
# again, with --attach NAME); a ShareableList, and a SharedMemoryManager
# that unlinks what it created.
import multiprocessing
import os
import subprocess
import sys
from multiprocessing import resource_tracker, shared_memory
from multiprocessing.managers import SharedMemoryManager


def left_in_dev_shm(names):
    return sum(os.path.exists('/dev/shm/' + n) for n in names)


def child_attaches(name):
    me = multiprocessing.current_process().name
    shm_b = shared_memory.SharedMemory(name)
    print('%s attached to %s by name and read %s' % (me, name, list(shm_b.buf[:5])))
    shm_b.buf[:5] = b'howdy'
    print('%s wrote b\'howdy\'' % me)
    shm_b.close()


def child_doubles(name):
    sl = shared_memory.ShareableList(name=name)
    for i in range(len(sl)):
        sl[i] = sl[i] * 2
    print('%s doubled every value' % multiprocessing.current_process().name)
    sl.shm.close()


def attach(name):
    shm = shared_memory.SharedMemory(name)
    # Before Python 3.13 an attaching program registers the block with its
    # own resource tracker, which would unlink it when this program ends.
    resource_tracker.unregister(shm._name, 'shared_memory')
    print('another program attached to %s by name and read %s' % (name, bytes(shm.buf[:5])))
    shm.buf[:5] = b'HOWDY'
    print('another program wrote b\'HOWDY\'')
    shm.close()


def stop_tracker():
    # Python's tracker ends on its own once this program is gone, a moment
    # later; waiting for it (a private call) leaves no process behind.
    resource_tracker._resource_tracker._stop()


if __name__ == '__main__':
    if sys.argv[1:2] == ['--attach']:
        attach(sys.argv[2])
        stop_tracker()
        sys.exit(0)
    shm_a = shared_memory.SharedMemory(create=True, size=10)
    shm_a.buf[:5] = bytes([22, 33, 44, 55, 100])
    print('created %s (%d bytes), wrote %s' % (shm_a.name, shm_a.size, list(shm_a.buf[:5])))
    p = multiprocessing.Process(target=child_attaches, args=(shm_a.name,))
    p.start()
    p.join()
    print('the creator reads %s' % bytes(shm_a.buf[:5]))
    sys.stdout.flush()  # our lines first, then the other program's
    subprocess.run([sys.executable, __file__, '--attach', shm_a.name], check=True)
    print('the creator reads %s' % bytes(shm_a.buf[:5]))

    sl = shared_memory.ShareableList([1, 2, 3, 4, 5])
    print('ShareableList %s: %s' % (sl.shm.name, list(sl)))
    p = multiprocessing.Process(target=child_doubles, args=(sl.shm.name,))
    p.start()
    p.join()
    print('ShareableList %s: %s' % (sl.shm.name, list(sl)))

    smm = SharedMemoryManager()
    smm.start()
    block = smm.SharedMemory(128)
    numbers = smm.ShareableList([0.5, 1.5, 2.5])
    created = [block.name, numbers.shm.name]
    print('SharedMemoryManager created %s' % ' and '.join(created))
    smm.shutdown()
    block.buf[:12] = b'still mapped'
    print('after shutdown: %s still readable, %d of its names left in /dev/shm'
          % (list(numbers), left_in_dev_shm(created)))
    ours = [shm_a.name, sl.shm.name]
    for shm in (shm_a, sl.shm):
        shm.close()
        shm.unlink()
    block.close()
    numbers.shm.close()
    print("blocks dropped: %d of the creator's names left in /dev/shm" % left_in_dev_shm(ours))
    stop_tracker()
