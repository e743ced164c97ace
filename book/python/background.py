# How to run a process in the background: a daemon child is terminated as
# soon as the main program ends; a normal child is waited for.
import multiprocessing
import os
import time

# The cookbook's tests run the sleeps faster: COOKBOOK_TIME_SCALE=0.01 makes
# every sleep a hundredth as long (unset, the book's pacing).
SCALE = float(os.environ.get('COOKBOOK_TIME_SCALE', '1'))


def foo():
    name = multiprocessing.current_process().name
    print('Starting %s' % name)
    numbers = range(0, 5) if name == 'background_process' else range(5, 10)
    for i in numbers:
        print('---> %d' % i)
    time.sleep(1 * SCALE)
    print('Exiting %s' % name)


if __name__ == '__main__':
    background_process = multiprocessing.Process(name='background_process', target=foo)
    background_process.daemon = True
    no_background_process = multiprocessing.Process(name='NO_background_process', target=foo)
    no_background_process.daemon = False
    background_process.start()
    no_background_process.start()
    # No join: at exit Python terminates the daemon, then joins the other.
