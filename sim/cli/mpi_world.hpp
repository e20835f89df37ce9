#pragma once
// The MPI ranks a sweep runs on. Built with Open MPI (CMake option AIRACE_MPI), MPI is started
// only when the program was launched by mpirun/srun (their environment says so); otherwise, and
// in a build without MPI, the world is this one process.

#include <string>

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
// How many processes the launcher started, from its environment (Open MPI's mpirun:
// OMPI_COMM_WORLD_SIZE; PMI launchers such as srun --mpi=pmi2: PMI_SIZE; any srun step:
// SLURM_STEP_NUM_TASKS); 1 when none says so.
int launched_processes();
// The refusal for a build without MPI started as one of several processes, each of which would
// run the whole sweep into the same files; empty when there is nothing to refuse.
std::string mpi_refusal(bool built, int processes);

}  // namespace airace
