#!/usr/bin/env bash
# Set up, build (debug preset: warnings are errors), and run the whole test suite with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset debug >/dev/null
cmake --build --preset debug
ctest --preset debug -j 2
