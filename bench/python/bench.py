"""The Python side of `cargo xtask bench`: the same workloads as the Rust
cases of the same name (bench/src/cases.rs), with `multiprocessing`.

Usage: python3 bench.py CASE [--repeats N] [--quick]

Prints a JSON list of samples (one warm-up is taken first and dropped),
each in the unit of the Rust case: seconds per operation, bytes or
operations per second, or a speed-up ratio.
"""

import json
import multiprocessing as mp
import sys
import time


def scaled(full, quick):
    return quick if QUICK else full


# --- starting processes ----------------------------------------------------

def noop():
    pass


def start_join(method, n):
    ctx = mp.get_context(method)
    if method == "forkserver":
        # The first start also starts the server: not what is measured.
        p = ctx.Process(target=noop)
        p.start()
        p.join()
    start = time.perf_counter()
    for _ in range(n):
        p = ctx.Process(target=noop)
        p.start()
        p.join()
    return (time.perf_counter() - start) / n


# --- round trips and throughput --------------------------------------------

def echo_pipe(conn):
    # An empty message says stop: under fork, this child also holds a copy
    # of the parent's end, so it would never see end-of-file.
    while True:
        msg = conn.recv_bytes()
        if not msg:
            break
        conn.send_bytes(msg)


def rtt_pipe(n):
    mine, theirs = mp.Pipe()
    p = mp.Process(target=echo_pipe, args=(theirs,))
    p.start()
    theirs.close()
    msg = b"x" * 8
    mine.send_bytes(msg)
    mine.recv_bytes()
    start = time.perf_counter()
    for _ in range(n):
        mine.send_bytes(msg)
        mine.recv_bytes()
    took = (time.perf_counter() - start) / n
    mine.send_bytes(b"")
    p.join()
    return took


def echo_queue(ping, pong):
    while True:
        item = ping.get()
        if item is None:
            break
        pong.put(item)


def rtt_queue(n):
    ping, pong = mp.Queue(), mp.Queue()
    p = mp.Process(target=echo_queue, args=(ping, pong))
    p.start()
    msg = b"x" * 8
    ping.put(msg)
    pong.get()
    start = time.perf_counter()
    for _ in range(n):
        ping.put(msg)
        pong.get()
    took = (time.perf_counter() - start) / n
    ping.put(None)
    p.join()
    return took


def sink_pipe(conn, count):
    for _ in range(count):
        conn.recv_bytes()
    conn.send_bytes(b"ok")


def tp_pipe(size, count):
    mine, theirs = mp.Pipe()
    p = mp.Process(target=sink_pipe, args=(theirs, count))
    p.start()
    msg = b"\x01" * size
    start = time.perf_counter()
    for _ in range(count):
        mine.send_bytes(msg)
    mine.recv_bytes()
    rate = size * count / (time.perf_counter() - start)
    p.join()
    return rate


def sink_queue(queue, done, count):
    for _ in range(count):
        queue.get()
    done.put(1)


def tp_queue(size, count):
    queue, done = mp.Queue(), mp.Queue()
    p = mp.Process(target=sink_queue, args=(queue, done, count))
    p.start()
    msg = b"\x01" * size
    start = time.perf_counter()
    for _ in range(count):
        queue.put(msg)
    done.get()
    rate = size * count / (time.perf_counter() - start)
    p.join()
    return rate


# --- many small operations -------------------------------------------------

def produce(queue, n):
    for i in range(n):
        queue.put(i)


def queue_items(producers, each):
    queue = mp.Queue()
    procs = [mp.Process(target=produce, args=(queue, each)) for _ in range(producers)]
    start = time.perf_counter()
    for p in procs:
        p.start()
    for _ in range(producers * each):
        queue.get()
    rate = producers * each / (time.perf_counter() - start)
    for p in procs:
        p.join()
    return rate


def increment(counter, barrier, n):
    barrier.wait()
    for _ in range(n):
        with counter.get_lock():
            counter.value += 1


def counter(processes, each):
    value = mp.Value("q", 0)
    barrier = mp.Barrier(processes + 1)
    procs = [mp.Process(target=increment, args=(value, barrier, each)) for _ in range(processes)]
    for p in procs:
        p.start()
    barrier.wait()
    start = time.perf_counter()
    for p in procs:
        p.join()
    rate = processes * each / (time.perf_counter() - start)
    assert value.value == processes * each
    return rate


def manager(sets, n):
    with mp.Manager() as m:
        d = m.dict()
        if not sets:
            for i in range(n):
                d[i] = i
        start = time.perf_counter()
        for i in range(n):
            if sets:
                d[i] = i
            else:
                d[i]
        return n / (time.perf_counter() - start)


# --- the pool --------------------------------------------------------------

def count_primes(n):
    count = 0
    for k in range(2, n):
        d = 2
        while d * d <= k:
            if k % d == 0:
                break
            d += 1
        else:
            count += 1
    return count


def pool_speedup(work):
    times = []
    for workers in (1, 2):
        with mp.Pool(workers) as pool:
            pool.map(square, range(4))  # the workers are up and running
            start = time.perf_counter()
            pool.map(count_primes, [work] * 8, chunksize=1)
            times.append(time.perf_counter() - start)
    return times[0] / times[1]


def square(x):
    return x * x


def pool_tiny(n, chunksize):
    with mp.Pool(2) as pool:
        pool.map(square, range(4))  # the workers are up and running
        start = time.perf_counter()
        pool.map(square, range(n), chunksize=chunksize)
        return n / (time.perf_counter() - start)


SIZES = [1 << 10, 64 << 10, 1 << 20, 16 << 20]


def cases():
    # Python is much slower per operation: the counts are smaller than the
    # Rust ones, but every figure is per operation (or a rate), so they compare.
    c = {
        "start_fork": lambda: start_join("fork", scaled(100, 10)),
        "start_spawn": lambda: start_join("spawn", scaled(10, 2)),
        "start_forkserver": lambda: start_join("forkserver", scaled(100, 10)),
        "rtt_pipe": lambda: rtt_pipe(scaled(5000, 500)),
        "rtt_queue": lambda: rtt_queue(scaled(5000, 500)),
        "queue_items_1": lambda: queue_items(1, scaled(50000, 5000)),
        "queue_items_2": lambda: queue_items(2, scaled(25000, 2500)),
        "counter_1": lambda: counter(1, scaled(200000, 10000)),
        "counter_2": lambda: counter(2, scaled(100000, 5000)),
        "manager_set": lambda: manager(True, scaled(10000, 1000)),
        "manager_get": lambda: manager(False, scaled(10000, 1000)),
        "pool_speedup_2": lambda: pool_speedup(scaled(40000, 5000)),
        "pool_tiny_default": lambda: pool_tiny(scaled(100000, 5000), None),
        "pool_tiny_1": lambda: pool_tiny(scaled(100000, 5000), 1),
    }
    for size in SIZES:
        total = scaled(64 << 20, 8 << 20)
        count = max(2, total // size)
        c[f"tp_pipe_{size}"] = lambda size=size, count=count: tp_pipe(size, count)
        c[f"tp_queue_{size}"] = lambda size=size, count=count: tp_queue(size, count)
    return c


QUICK = False

if __name__ == "__main__":
    args = sys.argv[1:]
    QUICK = "--quick" in args
    repeats = int(args[args.index("--repeats") + 1]) if "--repeats" in args else 5
    name = args[0] if args else ""
    table = cases()
    if name not in table:
        sys.exit(f"error: unknown case '{name}'; the cases are: {', '.join(table)}")
    run = table[name]
    run()  # warm-up
    print(json.dumps([run() for _ in range(repeats)]))
