"""The mpi4py side of `cargo xtask bench`: the MPI cases of
bench/src/mpi.rs, the same workloads written with mpi4py, so that rsmpi
is measured beside its Python peer.

Usage (under mpiexec, with a Python that has mpi4py and numpy):
    mpi_bench.py pingpong ITERS QUICK_ITERS --repeats N [--quick]
    mpi_bench.py objects ITERS QUICK_ITERS --repeats N [--quick]
    mpi_bench.py throughput SIZE COUNT QUICK_COUNT --repeats N [--quick]
    mpi_bench.py collectives NAME ITERS QUICK_ITERS --repeats N [--quick]

Rank 0 prints one figure per repeat (one warm-up is taken first and
dropped), in the unit of the Rust case: seconds per operation, or bytes
per second.
"""

import sys
import time

import numpy as np
from mpi4py import MPI

COMM = MPI.COMM_WORLD
RANK = COMM.Get_rank()
SIZE = COMM.Get_size()


def report(r, value):
    if RANK == 0 and r > 0:
        print(f"{value:.9f}", flush=True)


def pingpong(iters, repeats):
    """8 bytes bounced as a buffer: upper-case Send/Recv, no pickling."""
    buf = np.zeros(8, dtype=np.uint8)
    for r in range(repeats + 1):
        COMM.Barrier()
        start = time.perf_counter()
        for _ in range(iters):
            if RANK == 0:
                COMM.Send(buf, dest=1)
                COMM.Recv(buf, source=1)
            elif RANK == 1:
                COMM.Recv(buf, source=0)
                COMM.Send(buf, dest=0)
        report(r, (time.perf_counter() - start) / iters)


def objects(iters, repeats):
    """8 bytes bounced as a Python object: lower-case send/recv (pickle)."""
    value = b"\x07" * 8
    for r in range(repeats + 1):
        COMM.Barrier()
        start = time.perf_counter()
        for _ in range(iters):
            if RANK == 0:
                COMM.send(value, dest=1)
                COMM.recv(source=1)
            elif RANK == 1:
                got = COMM.recv(source=0)
                COMM.send(got, dest=0)
        report(r, (time.perf_counter() - start) / iters)


def throughput(size, count, repeats):
    buf = np.ones(size, dtype=np.uint8)
    ack = np.zeros(1, dtype=np.uint8)
    for r in range(repeats + 1):
        COMM.Barrier()
        start = time.perf_counter()
        if RANK == 0:
            for _ in range(count):
                COMM.Send(buf, dest=1)
            COMM.Recv(ack, source=1)
        elif RANK == 1:
            for _ in range(count):
                COMM.Recv(buf, source=0)
            COMM.Send(ack, dest=0)
        report(r, size * count / (time.perf_counter() - start))


def collectives(name, iters, repeats):
    """One collective on 1,000 int64 per rank, as bench/src/mpi.rs does."""
    n = 1000
    value = np.full(n, RANK, dtype=np.int64)
    everything = np.ones(n * SIZE, dtype=np.int64)
    gathered = np.zeros(n * SIZE, dtype=np.int64)
    part = np.zeros(n, dtype=np.int64)
    exchanged = np.zeros(n * SIZE, dtype=np.int64)
    reduced = np.zeros(n, dtype=np.int64)
    ops = {
        "bcast": lambda: COMM.Bcast(value, root=0),
        "scatter": lambda: COMM.Scatter(everything if RANK == 0 else None, part, root=0),
        "gather": lambda: COMM.Gather(part, gathered if RANK == 0 else None, root=0),
        "alltoall": lambda: COMM.Alltoall(everything, exchanged),
        "reduce": lambda: COMM.Reduce(value, reduced if RANK == 0 else None, op=MPI.SUM, root=0),
    }
    if name not in ops:
        sys.exit(f"error: unknown collective '{name}'; the collectives are: {', '.join(ops)}")
    op = ops[name]
    for r in range(repeats + 1):
        COMM.Barrier()
        start = time.perf_counter()
        for _ in range(iters):
            op()
        report(r, (time.perf_counter() - start) / iters)


def main(args):
    quick = "--quick" in args
    repeats = 5
    words = []
    rest = iter(args)
    for a in rest:
        if a == "--repeats":
            repeats = int(next(rest))
        elif a != "--quick":
            words.append(a)
    kind = words[0] if words else ""

    def pick(full, short):
        return int(short) if quick else int(full)

    if kind == "pingpong":
        pingpong(pick(words[1], words[2]), repeats)
    elif kind == "objects":
        objects(pick(words[1], words[2]), repeats)
    elif kind == "throughput":
        throughput(int(words[1]), pick(words[2], words[3]), repeats)
    elif kind == "collectives":
        collectives(words[1], pick(words[2], words[3]), repeats)
    else:
        sys.exit(f"error: unknown measurement '{kind}'")


if __name__ == "__main__":
    main(sys.argv[1:])
