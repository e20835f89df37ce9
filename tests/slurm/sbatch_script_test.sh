#!/usr/bin/env bash
# scripts/sbatch_sweep.sh against a stand-in `sbatch` that runs each job at once on this machine
# (array tasks one after the other, the merge job after them, as afterany lets it). It checks the
# script's logic, not Slurm: a task that fails is listed by the merge job with the command that
# resubmits it alone; that command computes only the missing shard (finished ones are left
# untouched) and the merged file equals a one-process sweep.
#   bash tests/slurm/sbatch_script_test.sh AIRACE_BINARY
set -euo pipefail
airace=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cd "$(dirname "$0")/../.."
sweep=tests/data/sweeps/small_lhs.yaml
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/state"
cat >"$tmp/bin/sbatch" <<'FAKE'
#!/usr/bin/env bash
# Stand-in for sbatch: runs the --wrap command now, for every task of --array.
array="" wrap="" output="slurm-%j.out"
for a in "$@"; do
  case $a in
    --array=*) array=${a#--array=} ;;
    --wrap=*) wrap=${a#--wrap=} ;;
    --output=*) output=${a#--output=} ;;
  esac
done
id=$(cat "$STATE/next" 2>/dev/null || echo 1000)
echo $((id + 1)) >"$STATE/next"
all="$*"
printf '%s\n' "${all//$'\n'/ }" >>"$STATE/calls"
run() {
  local log=${output//%A/$id}
  log=${log//%a/$1}
  log=${log//%j/$id}
  if [[ -n $1 && ",${FAIL_TASKS:-}," == *",$1,"* ]]; then
    echo "task $1 killed by the test" >"$log"
    return
  fi
  SLURM_ARRAY_TASK_ID=$1 SLURM_JOB_ID=$id sh -c "$wrap" >"$log" 2>&1 || echo "exit status $?" >>"$log"
}
if [[ -n $array ]]; then
  IFS=, read -ra items <<<"${array%%\%*}"
  for item in "${items[@]}"; do
    if [[ $item == *-* ]]; then
      for ((t = ${item%-*}; t <= ${item#*-}; t++)); do run "$t"; done
    else
      run "$item"
    fi
  done
else
  run ""
fi
echo "$id"
FAKE
chmod +x "$tmp/bin/sbatch"
export PATH="$tmp/bin:$PATH" STATE="$tmp/state" AIRACE="$airace" THREADS_PER_TASK=1
out="$tmp/results/sweep.h5"
fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. Four shards, task 2 killed: no merged file; the merge job names shard 2 and the command.
FAIL_TASKS=2 bash scripts/sbatch_sweep.sh array "$sweep" "$out" 4 >"$tmp/submit1.txt"
[[ -d $tmp/results ]] || fail "the output folder was not created"
[[ ! -e $out ]] || fail "merged although shard 2 is missing"
merge_log=$(ls "$tmp"/results/sweep.merge-*.log)
grep -q "shards not finished: 2 " "$merge_log" || fail "the merge job does not name shard 2: $(cat "$merge_log")"
grep -q "ARRAY=2 bash scripts/sbatch_sweep.sh array '$sweep' '$out' 4" "$merge_log" ||
  fail "the merge job does not give the resubmission command: $(cat "$merge_log")"
for i in 0 1 3; do [[ -f $tmp/results/sweep.part-$i-of-4.h5 ]] || fail "part $i missing"; done
before=$(stat -c %Y.%s "$tmp"/results/sweep.part-{0,1,3}-of-4.h5 | md5sum)

# 2. The command it gives: only shard 2 runs (with the shard count still 4), then the merge.
sleep 1
eval "$(grep -o "ARRAY=2 bash .*" "$merge_log")" >"$tmp/submit2.txt"
tail -n 2 "$STATE/calls" | head -n 1 | grep -q -- "--array=2 " || fail "resubmitted another array: $(tail -n 2 "$STATE/calls")"
grep -q -- "--shard \$SLURM_ARRAY_TASK_ID/4" "$STATE/calls" || fail "the shard count is not the sweep's"
[[ -f $out ]] || fail "no merged file after the resubmission: $(cat "$tmp"/results/sweep.merge-*.log)"
after=$(stat -c %Y.%s "$tmp"/results/sweep.part-{0,1,3}-of-4.h5 | md5sum)
[[ $before == "$after" ]] || fail "finished parts were written again"

# 3. Resubmitting every task: each finished one has nothing to do.
bash scripts/sbatch_sweep.sh array "$sweep" "$tmp/again/sweep.h5" 2 >/dev/null
bash scripts/sbatch_sweep.sh array "$sweep" "$tmp/again/sweep.h5" 2 >/dev/null
n=$(grep -l "nothing to do" "$tmp"/again/sweep.shard-*.log | wc -l)
[[ $n == 2 ]] || fail "expected 2 task logs with nothing to do, found $n"

# 4. The merged file holds the same results as one process.
"$airace" sweep "$sweep" --quiet --threads 1 -o "$tmp/one.h5" >/dev/null
/usr/bin/python3 - "$out" "$tmp/one.h5" <<'PY'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
assert list(a["metrics"]) == list(b["metrics"]) and len(a["metrics"]) > 0
for name in a["metrics"]:
    assert np.array_equal(a["metrics"][name][:], b["metrics"][name][:], equal_nan=True), name
assert np.array_equal(a["runs/status"][:], b["runs/status"][:])
PY
echo "ok: a killed shard is listed with its command, resubmitted alone, and merged"
