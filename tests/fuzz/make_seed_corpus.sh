#!/usr/bin/env bash
# Rebuilds the seed corpora of the fuzz targets from the project's own files: every scenario
# (scenarios/, tests/data/) and every sweep file (scenarios/sweeps/, tests/data/sweeps/). The
# targets read an input as if it were scenarios/whatif/fuzz_input.yaml or
# scenarios/sweeps/fuzz_input.yaml, so paths to tests/data/ are rewritten to reach it from there.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=tests/fuzz/corpus
rm -rf "$out/scenario/seed_"* "$out/sweep/seed_"*
mkdir -p "$out/scenario" "$out/sweep"
for f in scenarios/*.yaml scenarios/whatif/*.yaml scenarios/teaching/*.yaml; do
  name=$(echo "${f#scenarios/}" | tr / _)
  # teaching/ and whatif/ are siblings: `extends: ../baseline.yaml` holds for both.
  cp "$f" "$out/scenario/seed_$name"
done
for f in tests/data/*.yaml; do
  sed -E 's|^(extends: *)([a-z_]+\.yaml)|\1../../tests/data/\2|' "$f" \
    >"$out/scenario/seed_data_$(basename "$f")"
done
for f in tests/data/regressions/*.yaml; do
  cp "$f" "$out/scenario/seed_regression_$(basename "$f")"
done
for f in scenarios/sweeps/*.yaml; do
  cp "$f" "$out/sweep/seed_$(basename "$f")"
done
for f in tests/data/sweeps/*.yaml; do
  sed -E 's|^( *base: *)\.\./([a-z_]+\.yaml)|\1../../tests/data/\2|' "$f" \
    >"$out/sweep/seed_data_$(basename "$f")"
done
echo "seed corpus: $(ls "$out/scenario" | wc -l) scenarios, $(ls "$out/sweep" | wc -l) sweeps"
