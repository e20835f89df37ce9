#!/usr/bin/env bash
# Set up, build (debug preset: warnings are errors), and run the whole test suite with CTest;
# then build the sanitizer presets and run the suite again under them (CMakePresets.json):
#   asan  AddressSanitizer + UndefinedBehaviorSanitizer, leak checks on: every test but those
#         whose work is done in Python (label `python`);
#   tsan  ThreadSanitizer: the tests of the parallel engine (results across thread counts),
#         the adoption loop, the sweep runner (shards, resume, MPI), the fuzz regressions and
#         the seminar server under fuzzed requests.
# Every test has a time limit (600 s, CMakePresets.json, unless it sets its own), so that a hang
# fails its test instead of running out CI's clock.
# Open MPI and chromium are installed too, so that the MPI sweep test and the report's
# headless render run in CI; a build without them leaves those two tests out.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests
for preset in debug asan tsan; do
  echo "== $preset"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  ctest --preset "$preset" -j 2
done
