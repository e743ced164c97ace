# How to use a process in a subclass: start() runs the subclass's run().
import multiprocessing


class MyProcess(multiprocessing.Process):
    def run(self):
        # A subclass's default name is its class's: MyProcess-1, MyProcess-2...
        print('called run method in process: %s' % self.name)


if __name__ == '__main__':
    for i in range(5):
        p = MyProcess()
        p.start()
        p.join()
