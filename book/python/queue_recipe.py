# Using a queue to exchange objects: a producer puts ten random numbers,
# a consumer takes them; None tells the consumer there are no more.
import multiprocessing
import os
import random
import time

# The cookbook's tests run the sleeps faster: COOKBOOK_TIME_SCALE=0.01 makes
# every sleep a hundredth as long (unset, the book's pacing).
SCALE = float(os.environ.get('COOKBOOK_TIME_SCALE', '1'))


class Producer(multiprocessing.Process):
    def __init__(self, queue):
        super().__init__()
        self.queue = queue

    def run(self):
        for _ in range(10):
            item = random.randint(0, 256)
            self.queue.put(item)
            print('Process Producer : item %d appended to queue %s' % (item, self.name))
            time.sleep(1 * SCALE)
            print('The size of queue is %s' % self.queue.qsize())


class Consumer(multiprocessing.Process):
    def __init__(self, queue):
        super().__init__()
        self.queue = queue

    def run(self):
        while True:
            time.sleep(2 * SCALE)
            item = self.queue.get()
            if item is None:
                print('the queue is empty')
                return
            print('Process Consumer : item %d popped from by %s' % (item, self.name))
            time.sleep(1 * SCALE)


if __name__ == '__main__':
    queue = multiprocessing.Queue()
    producer = Producer(queue)
    consumer = Consumer(queue)
    producer.start()
    consumer.start()
    producer.join()
    queue.put(None)  # every item is queued now: the consumer stops after them
    consumer.join()
