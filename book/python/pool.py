# How to use a process pool: four workers square the numbers 0 to 99.
import multiprocessing


def function_square(data):
    return data * data


if __name__ == '__main__':
    inputs = list(range(0, 100))
    pool = multiprocessing.Pool(processes=4)
    pool_outputs = pool.map(function_square, inputs)  # in input order
    pool.close()
    pool.join()
    print('Pool :', pool_outputs)
