/* MPICH's own round trip, for comparison with rsmpi's: ranks 0 and 1
 * bounce an 8-byte message `iters` times, `repeats` times over; rank 0
 * prints each repeat's time per round trip, in seconds, one per line.
 * Built and run by `cargo xtask bench` (bench/src/mpi.rs). */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    long iters = argc > 1 ? atol(argv[1]) : 10000;
    int repeats = argc > 2 ? atoi(argv[2]) : 5;
    char buf[8] = {0};
    for (int r = -1; r < repeats; r++) { /* r = -1: warm-up */
        MPI_Barrier(MPI_COMM_WORLD);
        double start = MPI_Wtime();
        for (long i = 0; i < iters; i++) {
            if (rank == 0) {
                MPI_Send(buf, 8, MPI_BYTE, 1, 0, MPI_COMM_WORLD);
                MPI_Recv(buf, 8, MPI_BYTE, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            } else if (rank == 1) {
                MPI_Recv(buf, 8, MPI_BYTE, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                MPI_Send(buf, 8, MPI_BYTE, 0, 0, MPI_COMM_WORLD);
            }
        }
        double took = MPI_Wtime() - start;
        if (rank == 0 && r >= 0) printf("%.9f\n", took / iters);
    }
    MPI_Finalize();
    return 0;
}
