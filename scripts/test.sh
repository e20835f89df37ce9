#!/usr/bin/env bash
# Set up, then build and run the whole test suite with CTest in three presets
# (CMakePresets.json: ci-debug, ci-asan and ci-tsan, which are debug, asan and tsan built with
# Ninja in unity mode, in build/ci-*), each built with warnings as errors:
#   debug  no sanitizer: the tests the sanitizer presets leave out (labels `python` and `plain`:
#          the large ensembles, the plots and pages, the write-failure injection of a whole run);
#   asan   AddressSanitizer + UndefinedBehaviorSanitizer at -O1 with assertions on, leak checks
#          on: every test but those whose work is done in Python (label `python`) and the
#          write-failure injection of a whole run (label `plain`);
#   tsan   ThreadSanitizer, likewise at -O1 with assertions: the tests of the parallel engine
#          (results across thread counts), the adoption loop, the sweep runner (shards, resume,
#          MPI), the fuzz regressions and the seminar server under fuzzed requests.
# So every test runs in one preset at least, and every C++ test but that injection under ASan.
# Each step prints how long it took.
# Every test has a time limit (600 s, CMakePresets.json, unless it sets its own), so that a hang
# fails its test instead of running out CI's clock.
# setup.sh installs Open MPI in any case (the MPI sweep test), and with --tests chromium (the
# report's headless render) and Slurm with munge (the one-node cluster that
# tests/slurm/real_slurm_test.sh starts as root, in the debug preset's run); where they are
# missing those tests are skipped or left out, with a message.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
step() {  # step NAME COMMAND...: runs it, then prints how long it took
  local t=$SECONDS
  "${@:2}"
  echo "== $1: $((SECONDS - t)) s (total $((SECONDS - start)) s)"
}
quiet() { "$@" >/dev/null; }
step setup bash scripts/setup.sh --tests
for preset in ci-debug ci-asan ci-tsan; do
  echo "== $preset"
  step "$preset configure" quiet cmake --preset "$preset"
  step "$preset build" cmake --build --preset "$preset"
  step "$preset tests" ctest --preset "$preset" -j 2
done
