# How to name a process: one child named by us, one named by Python.
import multiprocessing
import os
import time

# The cookbook's tests run the sleeps faster: COOKBOOK_TIME_SCALE=0.01 makes
# every sleep a hundredth as long (unset, the book's pacing).
SCALE = float(os.environ.get('COOKBOOK_TIME_SCALE', '1'))


def foo():
    name = multiprocessing.current_process().name
    print('Starting %s' % name)
    time.sleep(3 * SCALE)
    print('Exiting %s' % name)


if __name__ == '__main__':
    process_with_name = multiprocessing.Process(name='foo_process', target=foo)
    process_with_default_name = multiprocessing.Process(target=foo)  # 'Process-2'
    process_with_name.start()
    process_with_default_name.start()
    # The book's program made the named one a daemon and joined neither;
    # Python would then terminate the daemon at exit, before it could say
    # "Exiting". Joining both prints what the book shows.
    process_with_name.join()
    process_with_default_name.join()
