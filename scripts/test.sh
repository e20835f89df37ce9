#!/usr/bin/env bash
# Set up, build (debug preset: warnings are errors), and run the whole test suite with CTest.
# Open MPI is installed too, so that the MPI sweep test runs in CI; a build without it still
# passes (CMake's AIRACE_MPI=AUTO leaves the MPI mode and its test out).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --mpi
cmake --preset debug >/dev/null
cmake --build --preset debug
ctest --preset debug -j 2
