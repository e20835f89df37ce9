#!/usr/bin/env bash
# Slurm templates for an airace sweep (docs/sweeps.md §"On a cluster"). Copy, set the #SBATCH
# lines for your cluster, and submit with this script, which picks one of two modes:
#
#   bash scripts/sbatch_sweep.sh array SWEEP.yaml OUT.h5 SHARDS
#       a job array of SHARDS tasks, each `airace sweep --shard I/SHARDS` writing
#       OUT.part-I-of-SHARDS.h5, then a merge job that starts when every task has succeeded
#       (--dependency=afterok) and writes OUT.h5 with `airace merge`.
#
#   bash scripts/sbatch_sweep.sh mpi SWEEP.yaml OUT.h5 TASKS
#       one job of TASKS MPI ranks (srun, or mpirun where srun has no PMI support); each rank
#       runs its slice and rank 0 merges the parts into OUT.h5.
#
# Both resume: resubmitting the same command skips the runs already saved in
# OUT.part-*.h5.partial/ (a killed or pre-empted task loses at most one batch of runs).
# Cluster file systems (Lustre, GPFS, NFS) often lack the file locking HDF5 asks for, hence
# HDF5_USE_FILE_LOCKING=FALSE; each file has exactly one writer, so no lock is needed.
set -euo pipefail

mode=${1:?"usage: $0 array|mpi SWEEP.yaml OUT.h5 COUNT"}
sweep=${2:?"the sweep file"}
out=${3:?"the output file"}
count=${4:?"the number of shards (array) or MPI ranks (mpi)"}
airace=${AIRACE:-$(command -v airace || echo build/release/airace)}
threads=${THREADS_PER_TASK:-4}
stem=${out%.h5}

export HDF5_USE_FILE_LOCKING=FALSE

case "$mode" in
  array)
    # SLURM_ARRAY_TASK_ID runs 0..COUNT-1 (--array=0-N); --shard takes the same 0-based index.
    array_job=$(sbatch --parsable \
      --job-name=airace-sweep \
      --array=0-$((count - 1)) \
      --cpus-per-task="$threads" \
      --time=04:00:00 \
      --output="${stem}.shard-%a.log" \
      --export=ALL,HDF5_USE_FILE_LOCKING=FALSE \
      --wrap="\"$airace\" sweep \"$sweep\" --quiet --threads $threads \
              --shard \$SLURM_ARRAY_TASK_ID/\$SLURM_ARRAY_TASK_COUNT \
              -o \"${stem}.part-\$SLURM_ARRAY_TASK_ID-of-\$SLURM_ARRAY_TASK_COUNT.h5\"")
    parts=()
    for ((i = 0; i < count; i++)); do parts+=("${stem}.part-${i}-of-${count}.h5"); done
    sbatch --job-name=airace-merge \
      --dependency=afterok:"$array_job" \
      --cpus-per-task=1 \
      --time=00:30:00 \
      --output="${stem}.merge.log" \
      --export=ALL,HDF5_USE_FILE_LOCKING=FALSE \
      --wrap="\"$airace\" merge ${parts[*]} -o \"$out\""
    echo "submitted array job $array_job ($count shards) and a merge job after it"
    ;;
  mpi)
    # One rank per task; each rank uses its task's cores for its own runs (oneTBB). Where srun
    # has no PMIx support (srun --mpi=list), set MPI_LAUNCH="mpirun -n $count".
    launch=${MPI_LAUNCH:-srun --mpi=pmix}
    sbatch --job-name=airace-sweep-mpi \
      --ntasks="$count" \
      --cpus-per-task="$threads" \
      --time=04:00:00 \
      --output="${stem}.mpi.log" \
      --export=ALL,HDF5_USE_FILE_LOCKING=FALSE \
      --wrap="$launch \"$airace\" sweep \"$sweep\" --quiet --threads $threads -o \"$out\""
    ;;
  *)
    echo "$0: unknown mode '$mode' (array or mpi)" >&2
    exit 2
    ;;
esac
