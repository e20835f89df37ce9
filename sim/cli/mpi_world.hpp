#pragma once
// The MPI ranks a sweep runs on. Built with Open MPI (CMake option AIRACE_MPI), MPI is started
// only when the program was launched by mpirun/srun (their environment says so); otherwise, and
// in a build without MPI, the world is this one process.

namespace airace {

struct MpiWorld {
  int rank = 0;
  int size = 1;
  bool active = false;  // MPI_Init was called: finish with mpi_finish()
};

MpiWorld mpi_start(int* argc, char*** argv);
void mpi_finish(const MpiWorld& world);
// The largest of every rank's value (every rank gets it). `value` itself without MPI.
int mpi_max(const MpiWorld& world, int value);
// True when this build can run under mpirun.
bool mpi_built();

}  // namespace airace
