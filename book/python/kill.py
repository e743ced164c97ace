# How to kill a process: terminate() sends SIGTERM; the exit code says so.
import multiprocessing
import os
import time

# The cookbook's tests run the sleeps faster: COOKBOOK_TIME_SCALE=0.01 makes
# every sleep a hundredth as long (unset, the book's pacing).
SCALE = float(os.environ.get('COOKBOOK_TIME_SCALE', '1'))


def foo():
    print('Starting function')
    time.sleep(0.1 * SCALE)
    print('Finished function')


if __name__ == '__main__':
    p = multiprocessing.Process(target=foo)
    print('Process before execution:', p, p.is_alive())
    p.start()
    print('Process running:', p, p.is_alive())
    p.terminate()
    print('Process terminated:', p, p.is_alive())
    p.join()
    print('Process joined:', p, p.is_alive())
    print('Process exit code:', p.exitcode)
