#!/usr/bin/env bash
# scripts/sbatch_sweep.sh on a real Slurm: a one-node cluster (munged, slurmctld, slurmd from
# Debian's munge, slurmctld, slurmd and slurm-client) that this script starts as root under a
# temporary folder, with its own munge key and socket, its own ports and a slurm.conf of its own
# (nothing in /etc is used or changed), and stops again whatever happens.
#
#   array  an array of 4 tasks with task 2 cancelled (scancel) before it ran: the merge job
#          (afterany) lists shard 2 with the exact command that resubmits it; that command runs
#          task 2 alone, the finished parts are left untouched (same inode and mtime), and the
#          merged file equals an uninterrupted one-process sweep (/metrics and /runs/status).
#   mpi    one job of 2 tasks, each an MPI rank started by srun (--mpi=pmix), where rank 1 fails
#          (saved runs of another sweep in its way): the job fails with rank 0's part kept; the
#          same command again (the obstacle removed) leaves that part alone, computes rank 1's
#          runs and merges; the file equals the same one-process sweep, no part is left behind.
#
#   bash tests/slurm/real_slurm_test.sh AIRACE_BINARY
#
# Exit status 77 (CTest's SKIP_RETURN_CODE) with the reason where the cluster cannot be started
# here: not root, a package missing, or a daemon that does not come up (the last line of its log
# is printed).
set -euo pipefail
readonly kSkip=77
airace=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cd "$(dirname "$0")/../.."
PATH=$PATH:/usr/sbin:/sbin
sweep=tests/data/sweeps/small_lhs.yaml

skip() {
  echo "SKIP: $*"
  exit $kSkip
}
[[ $(id -u) == 0 ]] || skip "starting slurmctld, slurmd and munged needs root"
for program in mungekey munged slurmctld slurmd sbatch squeue scontrol scancel srun sinfo; do
  command -v $program >/dev/null ||
    skip "'$program' is not installed (bash scripts/setup.sh --tests installs slurmctld," \
      "slurmd, slurm-client and munge)"
done

tmp=$(mktemp -d /tmp/airace-slurm.XXXXXX)
chmod 0755 "$tmp"  # munged wants its socket's folder searchable by all, writable by none
mkdir -p "$tmp/state" "$tmp/spool" "$tmp/log" "$tmp/results"
export SLURM_CONF=$tmp/slurm.conf

show_logs() {
  for f in "$tmp"/log/*.log "$tmp"/results/*.log; do
    [[ -f $f ]] || continue
    echo "---- $f (last lines)"
    tail -n 15 "$f"
  done
}
# Stops what this script started, by the pids the daemons wrote: jobs first (so that no job step
# outlives slurmd), then slurmd, slurmctld and munged. Neither a signal nor a failing command
# stops it half way (a reader gone away, as with | head, makes every echo fail).
stop_cluster() {
  local status=$?
  trap '' PIPE INT TERM HUP
  set +e
  if [[ $status != 0 && $status != "$kSkip" ]]; then show_logs; fi
  if [[ -f $tmp/slurmctld.pid ]]; then
    scancel --user=root >/dev/null 2>&1 || true
    for _ in $(seq 20); do
      [[ -z $(squeue -h 2>/dev/null) ]] && break
      sleep 0.25
    done
  fi
  local daemon pid
  for daemon in slurmd slurmctld munged; do
    [[ -f $tmp/$daemon.pid ]] || continue
    pid=$(cat "$tmp/$daemon.pid")
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 40); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.25
    done
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
  exit "$status"
}
trap stop_cluster EXIT
trap 'exit 1' INT TERM HUP PIPE
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
# Waits up to $2 seconds for the command `$1` to succeed.
wait_until() {
  local i
  for ((i = 0; i < $2 * 4; i++)); do
    eval "$1" && return 0
    sleep 0.25
  done
  return 1
}

# ---- The cluster -----------------------------------------------------------------------------
mungekey --create --keyfile="$tmp/munge.key" ||
  skip "mungekey could not create a key"
munged --key-file="$tmp/munge.key" --socket="$tmp/munge.sock" --pid-file="$tmp/munged.pid" \
  --log-file="$tmp/log/munged.log" --seed-file="$tmp/munged.seed" --origin=127.0.0.1 ||
  skip "munged does not start here: $(tail -n 1 "$tmp/log/munged.log" 2>/dev/null)"

# Two free ports on the loopback, so that other clusters on this machine are not disturbed.
read -r ctld_port slurmd_port < <(/usr/bin/python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))')
host=$(uname -n)
host=${host%%.*}  # the short name, which slurmctld compares with SlurmctldHost
# This machine's CPUs, sockets, cores and threads as slurmd sees them (memory left out: jobs
# here ask for none).
hardware=$(slurmd -C | head -n 1 | sed -e 's/^NodeName=[^ ]* //' -e 's/ RealMemory=[0-9]*//')
cat >"$SLURM_CONF" <<EOF
ClusterName=airacetest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$tmp/munge.sock
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
MpiDefault=none
ReturnToService=2
KillWait=2
NodeName=airace-node NodeHostname=$host NodeAddr=127.0.0.1 $hardware State=UNKNOWN
PartitionName=airace Nodes=airace-node Default=YES MaxTime=INFINITE State=UP
EOF
# Slurm 22.05's slurmd initialises a cgroup plugin whatever the proctrack and task plugins; its
# autodetection fails where /sys/fs/cgroup is not mounted (a fresh chroot, some containers).
# The cgroup/v1 plugin on an empty folder of our own initialises without one, and nothing here
# uses cgroups (proctrack/linuxproc, task/none).
mkdir -p "$tmp/cgroup"
cat >"$tmp/cgroup.conf" <<EOF
CgroupPlugin=cgroup/v1
CgroupMountpoint=$tmp/cgroup
CgroupAutomount=no
EOF
slurmctld -i ||
  skip "slurmctld does not start here: $(tail -n 3 "$tmp/log/slurmctld.log" 2>/dev/null)"
slurmd -N airace-node ||
  skip "slurmd does not start here: $(tail -n 3 "$tmp/log/slurmd.log" 2>/dev/null)"
node_idle() { [[ $(sinfo -h -n airace-node -o %t 2>/dev/null) == idle ]]; }
wait_until node_idle 30 ||
  skip "the node did not become idle within 30 s: $(sinfo -h -N -o '%N %t %E' 2>&1);" \
    "$(tail -n 3 "$tmp/log/slurmd.log" 2>/dev/null)"
echo "cluster up: $(sinfo -h -o '%P %D %c %t') (slurmctld port $ctld_port, slurmd $slurmd_port)"

# Waits for every job in $@ to leave the queue (120 s at most each: a debug build is slow).
wait_jobs() {
  local job t0=$SECONDS
  for job in "$@"; do
    wait_until "[[ -z \$(squeue -h -j $job 2>/dev/null) ]]" 120 ||
      fail "job $job still in the queue after 120 s: $(squeue -j "$job" 2>&1)"
  done
  echo "  (jobs $* left the queue after $((SECONDS - t0)) s)"
}
# "submitted array job A (shards S of 4) and merge job M after it" (the script's line): S A M.
submitted_jobs() {
  awk '/^submitted array job [0-9]+ \(shards [^ ]+ of 4\) and merge job [0-9]+ / {
    print $6, $4, $12
  }' "$1"
}
job_state() { scontrol show job "$1" | grep -o 'JobState=[A-Z_]*' | head -n 1; }
# Name, inode, size and modification time (ns) of each file.
stamp_of() { stat -c '%n %i %s %y' "$@"; }

export AIRACE="$airace" THREADS_PER_TASK=1 TIME=00:10:00
"$airace" sweep "$sweep" --quiet --threads 1 -o "$tmp/one.h5" >/dev/null
same_as_one_process() {
  /usr/bin/python3 - "$1" "$tmp/one.h5" <<'PY'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as a, h5py.File(sys.argv[2], "r") as b:
    assert a["meta"].attrs["shard_count"] == 1, "not a whole sweep"
    assert list(a["metrics"]) == list(b["metrics"]) and len(a["metrics"]) > 0
    for name in a["metrics"]:
        assert np.array_equal(a["metrics"][name][()], b["metrics"][name][()], equal_nan=True), name
    assert np.array_equal(a["runs/status"][()], b["runs/status"][()]), "runs/status"
    assert (a["runs/status"][()] == 1).all(), "some runs failed"
    print(f"  {sys.argv[1]}: {len(a['metrics'])} metrics and the status of "
          f"{a['runs/status'].size} runs equal the one-process sweep")
PY
}

# ---- Array: task 2 cancelled, the merge job's command resubmits it alone --------------------
out=$tmp/results/sweep.h5
# Held at submission, so that task 2 is cancelled before it can start; then released.
SBATCH_EXTRA=--hold bash scripts/sbatch_sweep.sh array "$sweep" "$out" 4 >"$tmp/submit1.txt"
cat "$tmp/submit1.txt"
read -r shards array_job merge_job < <(submitted_jobs "$tmp/submit1.txt") || true
[[ ${shards:-} == 0-3 && -n ${merge_job:-} ]] || fail "unexpected: $(cat "$tmp/submit1.txt")"
scancel "${array_job}_2"
scontrol release "$array_job,$merge_job"
wait_jobs "$array_job" "$merge_job"

[[ ! -e $out ]] || fail "merged although shard 2 never ran"
merge_log=$tmp/results/sweep.merge-$merge_job.log
[[ -f $merge_log ]] || fail "no merge log $merge_log"
echo "merge job $merge_job ($(job_state "$merge_job")) wrote:"
sed 's/^/  | /' "$merge_log"
[[ $(job_state "$merge_job") == JobState=FAILED ]] ||
  fail "the merge job should end FAILED with shards missing, not $(job_state "$merge_job")"
grep -qxF "shards not finished: 2 (see $tmp/results/sweep.shard-${array_job}_<task>.log)" \
  "$merge_log" || fail "the merge job does not name shard 2 and the logs"
resubmit="ARRAY=2 bash scripts/sbatch_sweep.sh array '$sweep' '$out' 4"
grep -qxF "  $resubmit" "$merge_log" || fail "the merge job does not print: $resubmit"
for i in 0 1 3; do
  [[ -f $tmp/results/sweep.part-$i-of-4.h5 ]] || fail "part $i missing"
  [[ $(job_state "${array_job}_$i") == JobState=COMPLETED ]] ||
    fail "task $i: $(job_state "${array_job}_$i")"
done
[[ ! -e $tmp/results/sweep.part-2-of-4.h5 ]] || fail "a part 2 although task 2 was cancelled"
before=$(stamp_of "$tmp"/results/sweep.part-{0,1,3}-of-4.h5)

# The command, exactly as the merge job printed it.
eval "$resubmit" >"$tmp/submit2.txt"
cat "$tmp/submit2.txt"
read -r shards array_job2 merge_job2 < <(submitted_jobs "$tmp/submit2.txt") || true
[[ ${shards:-} == 2 && -n ${merge_job2:-} ]] ||
  fail "the resubmission is not of shard 2 alone: $(cat "$tmp/submit2.txt")"
wait_jobs "$array_job2" "$merge_job2"
logs=$(cd "$tmp/results" && ls sweep.shard-"${array_job2}"_*.log)
[[ $logs == "sweep.shard-${array_job2}_2.log" ]] || fail "the resubmission ran tasks: $logs"
grep -q "computed 5 runs this time (0 resumed)" "$tmp/results/$logs" ||
  fail "task 2 did not compute its 5 runs: $(cat "$tmp/results/$logs")"
[[ -f $out ]] || fail "no merged file after the resubmission"
grep -q "merged 4 parts into $out" "$tmp/results/sweep.merge-$merge_job2.log" ||
  fail "the second merge job did not merge"
after=$(stamp_of "$tmp"/results/sweep.part-{0,1,3}-of-4.h5)
[[ $before == "$after" ]] || fail "finished parts were written again: $before / $after"
echo "array: task 2 cancelled, listed with its command, resubmitted alone (job $array_job2)," \
  "parts 0, 1, 3 untouched, merged:"
same_as_one_process "$out"

# ---- MPI: a job whose rank 1 fails, resubmitted as it was --------------------------------
# Rank 1 finds a folder of saved runs of another sweep where its own would go (what a changed
# sweep file leaves): it refuses (exit 2), rank 0 finishes its part, and the job fails with the
# parts kept. Once the folder is removed, the same command again: rank 0 has nothing to do (its
# finished part is not computed again), rank 1 computes its runs, rank 0 merges.
mpi_out=$tmp/results/mpi.h5
mkdir "$tmp/results/mpi.part-1-of-2.h5.partial"
echo "0123456789abcdef another sweep" >"$tmp/results/mpi.part-1-of-2.h5.partial/STAMP"
submit_mpi() {
  bash scripts/sbatch_sweep.sh mpi "$sweep" "$mpi_out" 2 >"$tmp/submit-mpi.txt"
  mpi_job=$(sed -n 's/^Submitted batch job \([0-9]*\)$/\1/p' "$tmp/submit-mpi.txt")
  [[ -n $mpi_job ]] || fail "cannot read the MPI job's id from: $(cat "$tmp/submit-mpi.txt")"
  wait_jobs "$mpi_job"
  mpi_log=$tmp/results/mpi.mpi-$mpi_job.log
  echo "mpi job $mpi_job ($(job_state "$mpi_job")) wrote:"
  sed 's/^/  | /' "$mpi_log"
}
submit_mpi
[[ $(job_state "$mpi_job") == JobState=FAILED ]] || fail "the job with a failing rank did not fail"
grep -q "belongs to another sweep definition" "$mpi_log" || fail "rank 1 did not say why it stopped"
grep -q "not every rank finished; the part files stay" "$mpi_log" || fail "rank 0 did not say so"
[[ ! -e $mpi_out && -f $tmp/results/mpi.part-0-of-2.h5 ]] || fail "expected part 0 and no merge"
rm -r "$tmp/results/mpi.part-1-of-2.h5.partial"
submit_mpi
[[ $(job_state "$mpi_job") == JobState=COMPLETED ]] || fail "the resubmitted job did not complete"
grep -q "already holds shard 0/2 of this sweep, every run done; nothing to do" "$mpi_log" ||
  fail "rank 0 computed its finished part again"
[[ $(grep -c "computed 10 runs this time" "$mpi_log") == 1 ]] || fail "expected one rank computing"
grep -q "merged 2 parts into $mpi_out" "$mpi_log" || fail "rank 0 did not merge 2 parts"
left=$(find "$tmp/results" -maxdepth 1 -name 'mpi.part-*')
[[ -z $left ]] || fail "the MPI job left parts behind: $left"
echo "mpi: rank 1 failed, the job resubmitted as it was, rank 0's part not recomputed, merged:"
same_as_one_process "$mpi_out"
echo "ok: a real Slurm ran the array (a cancelled task resubmitted alone) and the MPI job" \
  "(a failed rank resubmitted)"
