#!/usr/bin/env bash
# Set up, build, and run the default scenario (scenarios/baseline.yaml); then plot it.
# Extra arguments go to `airace run`, e.g. `bash scripts/quickstart.sh --replicates 50`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release --target airace
mkdir -p results
./build/release/airace run scenarios/baseline.yaml -o results/baseline.h5 "$@"
/usr/bin/python3 scripts/plot.py results/baseline.h5
