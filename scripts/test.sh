#!/usr/bin/env bash
# Set up, build (debug preset: warnings are errors), and run the whole test suite with CTest.
# Open MPI and chromium are installed too, so that the MPI sweep test and the report's
# headless render run in CI; a build without them leaves those two tests out.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests
cmake --preset debug >/dev/null
cmake --build --preset debug
ctest --preset debug -j 2
