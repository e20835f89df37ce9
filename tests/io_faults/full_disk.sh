#!/bin/sh
# airace on a full disk: a 2 MiB tmpfs mounted in a mount namespace of this test's own (so
# nothing outside sees it). A run, a sweep and a CSV table that do not fit must each end with
# exit status 2 and a message, keep the file that was there, and leave nothing behind; none may
# crash (HDF5 1.10 used to die in its exit clean-up after a failed close on a full disk).
#
#   sh tests/io_faults/full_disk.sh AIRACE_BINARY
#
# Exit status 77 (CTest: skipped) where this machine cannot mount a tmpfs (no root, or no
# mount namespaces, as in some containers), with a message saying so.
set -u
airace=$1
if [ -z "${AIRACE_IN_NAMESPACE:-}" ]; then
  if ! unshare -m true 2>/dev/null; then
    echo "SKIPPED: cannot make a mount namespace here (needs root); the write-failure injection"
    echo "test (tests/output/replace_file_test.cpp) covers the same failures without one"
    exit 77
  fi
  AIRACE_IN_NAMESPACE=1 exec unshare -m sh "$0" "$@"
fi

work=$(mktemp -d)
trap 'umount "$work/full" 2>/dev/null; rm -rf "$work"' EXIT
mkdir "$work/full"
if ! mount -t tmpfs -o size=2m tmpfs "$work/full" 2>/dev/null; then
  echo "SKIPPED: cannot mount a tmpfs here"
  exit 77
fi
disk=$work/full
failures=0

# expect NAME FILE COMMAND...: COMMAND must end with status 2 and a message, FILE (which holds
# "old") must still hold it, and no temporary or lock file may be left on the disk.
expect() {
  name=$1 file=$2
  shift 2
  "$@" >"$work/out.txt" 2>"$work/err.txt"
  status=$?
  problem=""
  [ "$status" -eq 2 ] || problem="exit status $status, expected 2"
  grep -q "No space left on device" "$work/err.txt" || problem="$problem; no 'No space left on device' in the message"
  grep -q "nothing was written" "$work/err.txt" || problem="$problem; no 'nothing was written' in the message"
  [ "$(cat "$file")" = "old" ] || problem="$problem; the old file was not kept"
  left=$(find "$disk" -name '.*.airace-tmp' -o -name '.*.airace-lock' -o -type d -empty)
  [ -z "$left" ] || problem="$problem; left behind: $left"
  if [ -n "$problem" ]; then
    echo "FAILED: $name: $problem"
    sed 's/^/  stderr: /' "$work/err.txt" | tail -5
    failures=$((failures + 1))
  else
    echo "ok: $name: $(tail -2 "$work/err.txt" | head -1)"
  fi

}

printf 'old' >"$disk/b.h5"
expect "a baseline run of 2 replicates onto a 2 MiB disk" "$disk/b.h5" \
  "$airace" run scenarios/baseline.yaml -r 2 -q -o "$disk/b.h5"

"$airace" run tests/data/small.yaml -r 2 -q --set scenario.end=2022-12-31 -o "$work/a.h5" >/dev/null
printf 'old' >"$disk/d.csv"
printf 'old' >"$disk/s.h5"
head -c 4000000 /dev/zero >"$disk/filler" 2>/dev/null  # until the disk is full
expect "a CSV table onto a full disk" "$disk/d.csv" \
  "$airace" compare "$work/a.h5" "$work/a.h5" --csv "$disk/d.csv"
expect "a sweep onto a full disk" "$disk/s.h5" \
  "$airace" sweep tests/data/sweeps/small_lhs.yaml -q -o "$disk/s.h5"

if [ "$failures" -gt 0 ]; then
  echo "$failures of 3 failed"
  exit 1
fi
echo "3 passed, 0 failed"
