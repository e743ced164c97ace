# How to spawn a process: five children, one after another.
import multiprocessing


def foo(i):
    print('called function in process: %s' % i)


if __name__ == '__main__':
    for i in range(5):
        p = multiprocessing.Process(target=foo, args=(i,))
        p.start()
        p.join()  # the next child is created only when this one has ended
