#!/usr/bin/env bash
# Submits an airace sweep to Slurm (docs/sweeps.md §"On a cluster"). Two modes:
#
#   bash scripts/sbatch_sweep.sh array SWEEP.yaml OUT.h5 SHARDS
#       a job array, task I running `airace sweep --shard I/SHARDS` into
#       OUT.part-I-of-SHARDS.h5, then a merge job that runs after every task whatever its state
#       (--dependency=afterany): it merges the parts into OUT.h5 when all are there, and
#       otherwise lists the missing shards with the command that resubmits only those.
#
#   bash scripts/sbatch_sweep.sh mpi SWEEP.yaml OUT.h5 TASKS
#       one job of TASKS MPI ranks (srun, or mpirun where srun has no PMI support); each rank
#       runs its slice and rank 0 merges the parts into OUT.h5.
#
# Settings, from the environment (unset: Slurm's or the cluster's default):
#   PARTITION, ACCOUNT, QOS     --partition, --account, --qos of every job
#   TIME                        --time of each task or MPI job (default 04:00:00)
#   MEM_PER_CPU                 --mem-per-cpu of each task or rank
#   THREADS_PER_TASK            cores per task or rank, passed to --threads too (default 4)
#   ARRAY                       the shards to (re)submit, Slurm's syntax: "2" or "1,5-7"
#                               (default all, 0-(SHARDS-1)); the shard count stays SHARDS
#   THROTTLE                    most tasks running at once (--array=...%THROTTLE)
#   SBATCH_EXTRA                more sbatch options, word-split (e.g. "--constraint=cpu")
#   AIRACE                      the airace binary (default: on PATH, else build/release/airace)
#
# Resubmitting is free: a task whose part file already holds its finished shard exits at once,
# and one that was killed resumes from the runs saved in OUT.part-I-of-SHARDS.h5.partial/ (it
# loses at most one batch). Logs are OUT.shard-<job>_<task>.log, so a resubmission keeps the
# earlier ones; without a terminal airace writes a progress line there every minute
# (AIRACE_PROGRESS_SECONDS sets the interval). Cluster file systems (Lustre, GPFS, NFS) often
# lack the file locking HDF5 asks for, hence HDF5_USE_FILE_LOCKING=FALSE; each file has exactly
# one writer.
set -euo pipefail

mode=${1:?"usage: $0 array|mpi SWEEP.yaml OUT.h5 COUNT"}
sweep=${2:?"the sweep file"}
out=${3:?"the output file"}
count=${4:?"the number of shards (array) or MPI ranks (mpi)"}
if [[ ! $count =~ ^[1-9][0-9]*$ ]]; then
  echo "$0: COUNT must be a whole number above 0, not '$count'" >&2
  exit 2
fi
airace=${AIRACE:-$(command -v airace || echo build/release/airace)}
threads=${THREADS_PER_TASK:-4}
stem=${out%.h5}
mkdir -p "$(dirname "$out")"

export HDF5_USE_FILE_LOCKING=FALSE
common=(--export=ALL,HDF5_USE_FILE_LOCKING=FALSE)
[[ -n ${PARTITION:-} ]] && common+=(--partition="$PARTITION")
[[ -n ${ACCOUNT:-} ]] && common+=(--account="$ACCOUNT")
[[ -n ${QOS:-} ]] && common+=(--qos="$QOS")
# shellcheck disable=SC2206 # SBATCH_EXTRA is a list of options on purpose
[[ -n ${SBATCH_EXTRA:-} ]] && common+=($SBATCH_EXTRA)
work=(--cpus-per-task="$threads" --time="${TIME:-04:00:00}")
[[ -n ${MEM_PER_CPU:-} ]] && work+=(--mem-per-cpu="$MEM_PER_CPU")

case "$mode" in
  array)
    array=${ARRAY:-0-$((count - 1))}
    [[ -n ${THROTTLE:-} ]] && array+="%$THROTTLE"
    part="${stem}.part-\$SLURM_ARRAY_TASK_ID-of-${count}.h5"
    array_job=$(sbatch --parsable "${common[@]}" "${work[@]}" \
      --job-name=airace-sweep \
      --array="$array" \
      --output="${stem}.shard-%A_%a.log" \
      --wrap="\"$airace\" sweep \"$sweep\" --threads $threads \
              --shard \$SLURM_ARRAY_TASK_ID/$count -o \"$part\"")
    array_job=${array_job%%;*}
    # The merge: every part there, or the shards to resubmit and how.
    merge="missing=(); parts=();
      for ((i = 0; i < $count; i++)); do
        p=\"${stem}.part-\$i-of-${count}.h5\"; parts+=(\"\$p\");
        [[ -f \$p && ! -e \$p.partial ]] || missing+=(\$i);
      done;
      if ((\${#missing[@]})); then
        list=\$(IFS=,; echo \"\${missing[*]}\");
        echo \"shards not finished: \$list (see ${stem}.shard-${array_job}_<task>.log)\";
        echo \"resubmit only those with:\";
        echo \"  ARRAY=\$list bash scripts/sbatch_sweep.sh array '$sweep' '$out' $count\";
        exit 1;
      fi;
      \"$airace\" merge \"\${parts[@]}\" -o \"$out\""
    merge_job=$(sbatch --parsable "${common[@]}" \
      --job-name=airace-merge \
      --dependency=afterany:"$array_job" \
      --cpus-per-task=1 \
      --time=00:30:00 \
      --output="${stem}.merge-%j.log" \
      --wrap="bash -c '${merge//\'/\'\\\'\'}'")
    merge_job=${merge_job%%;*}
    echo "submitted array job $array_job (shards $array of $count)" \
      "and merge job $merge_job after it"
    ;;
  mpi)
    # One rank per task; each rank uses its task's cores for its own runs (oneTBB). Where srun
    # has no PMIx support (srun --mpi=list), set MPI_LAUNCH="mpirun -n $count".
    launch=${MPI_LAUNCH:-srun --mpi=pmix}
    sbatch "${common[@]}" "${work[@]}" \
      --job-name=airace-sweep-mpi \
      --ntasks="$count" \
      --output="${stem}.mpi-%j.log" \
      --wrap="$launch \"$airace\" sweep \"$sweep\" --threads $threads -o \"$out\""
    ;;
  *)
    echo "$0: unknown mode '$mode' (array or mpi)" >&2
    exit 2
    ;;
esac
