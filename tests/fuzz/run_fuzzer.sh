#!/usr/bin/env bash
# Installs clang and libFuzzer if missing, builds the fuzz preset and runs one libFuzzer target
# (tests/fuzz/README.md).
#
#   bash tests/fuzz/run_fuzzer.sh scenario|sweep [SECONDS] [LIBFUZZER FLAGS...]
#
# New inputs go to build/fuzz/work/KIND/corpus (the checked-in corpus and the regression inputs
# are read, never written); a crash, leak, timeout or out-of-memory input is written to
# build/fuzz/work/KIND/artifacts/. Prints libFuzzer's final stats (exec/s) and the CPU time.
set -euo pipefail
cd "$(dirname "$0")/../.."
kind=${1:?usage: run_fuzzer.sh scenario|sweep [SECONDS] [LIBFUZZER FLAGS...]}
seconds=${2:-900}
shift $(($# < 2 ? $# : 2))
case "$kind" in scenario | sweep) ;; *) echo "run_fuzzer: expected scenario or sweep" >&2; exit 2 ;; esac

bash scripts/setup.sh --fuzz
cmake --preset fuzz >/dev/null
cmake --build build/fuzz -j "${AIRACE_JOBS:-1}" --target "fuzz_$kind"
work=build/fuzz/work/$kind
mkdir -p "$work/corpus" "$work/artifacts"
# -timeout: an input that takes 10 s to load is a finding; -rss_limit_mb: so is one needing 2 GB.
/usr/bin/time -f "fuzz_$kind: %U s user + %S s system CPU, %e s wall, %M KB peak" \
  "build/fuzz/tests/fuzz/fuzz_$kind" -dict=tests/fuzz/airace.dict -max_total_time="$seconds" \
  -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
  "$@" "$work/corpus" "tests/fuzz/corpus/$kind" "tests/fuzz/regressions/$kind"
