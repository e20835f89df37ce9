#include "sim/cli/mpi_world.hpp"

#include <cstdlib>

#ifdef AIRACE_HAVE_MPI
#include <mpi.h>
#endif

namespace airace {

int launched_processes() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_STEP_NUM_TASKS"})
    if (const char* s = std::getenv(v)) {
      const int n = std::atoi(s);
      if (n > 1) return n;
    }
  return 1;
}

std::string mpi_refusal(bool built, int processes) {
  if (built || processes <= 1) return {};
  return "this airace was built without MPI but was started as one of " +
         std::to_string(processes) +
         " processes (mpirun or srun): each would run the whole sweep into the same files. "
         "Build with MPI (bash scripts/setup.sh installs Open MPI, then cmake --preset release "
         "finds it), or run one process per task with --shard I/N (scripts/sbatch_sweep.sh "
         "array)";
}

#ifdef AIRACE_HAVE_MPI
namespace {
// Set by Open MPI's mpirun, and by PMI/PMIx launchers such as Slurm's srun.
bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"})
    if (std::getenv(v) != nullptr) return true;
  return false;
}
}  // namespace

MpiWorld mpi_start(int* argc, char*** argv) {
  MpiWorld w;
  if (!launched_by_mpi()) return w;
  MPI_Init(argc, argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &w.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &w.size);
  w.active = true;
  return w;
}

void mpi_finish(const MpiWorld& world) {
  if (world.active) MPI_Finalize();
}

int mpi_max(const MpiWorld& world, int value) {
  if (!world.active) return value;
  int out = value;
  MPI_Allreduce(&value, &out, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return out;
}

bool mpi_built() { return true; }
#else
MpiWorld mpi_start(int*, char***) { return {}; }
void mpi_finish(const MpiWorld&) {}
int mpi_max(const MpiWorld&, int value) { return value; }
bool mpi_built() { return false; }
#endif

}  // namespace airace
