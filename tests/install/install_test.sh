#!/bin/sh
# `cmake --install` into a temporary prefix puts the program, the scenarios, the scripts and the
# docs where docs/install.md says; the installed program, started away from the source tree,
# runs an installed scenario, finds its default scenario in the installed copy, and checks an
# installed sweep; the installed scripts read what it wrote.
#
#   sh tests/install/install_test.sh BUILD_DIR
set -eu
build=$1
work=$(cd "$(mktemp -d)" && pwd -P)  # the path the program sees in /proc/self/exe
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" >"$work/install.log" || {
  cat "$work/install.log" >&2
  fail "cmake --install $build --prefix $prefix"
}
test -x "$prefix/bin/airace" || fail "no bin/airace"
for f in share/airace/scenarios/baseline.yaml share/airace/scenarios/seminar.yaml \
         share/airace/scenarios/whatif/no_2023_rule.yaml \
         share/airace/scenarios/teaching/enforcement_half.yaml \
         share/airace/scenarios/sweeps/baseline_lhs.yaml \
         share/airace/scripts/plot.py share/airace/scripts/report.py \
         share/airace/scripts/plot_sobol.py share/airace/scripts/same_results.py \
         share/airace/scripts/calibration.py share/airace/scripts/sbatch_sweep.sh \
         share/airace/python/airace/integrity.py \
         share/doc/airace/README.md share/doc/airace/LICENSE share/doc/airace/CITATION.cff \
         share/doc/airace/docs/scenarios.md share/doc/airace/docs/sweeps.md \
         share/doc/airace/docs/install.md share/doc/airace/docs/model.md; do
  test -f "$prefix/$f" || fail "$f is not installed"
done
test -x "$prefix/share/airace/scripts/sbatch_sweep.sh" || fail "sbatch_sweep.sh is not executable"
# Only what users need: no tests, benchmarks or the build's own files.
if find "$prefix" -name '*_test*' -o -name 'bench_*' -o -name 'setup.sh' | grep -q .; then
  fail "test, benchmark or set-up files are installed: $(find "$prefix" -name '*_test*' -o -name 'bench_*' -o -name 'setup.sh')"
fi

cd "$work"  # away from the source tree: nothing may be found through it
short="--replicates 2 --set scenario.end=2023-06-30 -q"
"$prefix/bin/airace" run "$prefix/share/airace/scenarios/whatif/no_2023_rule.yaml" $short \
  -o whatif.h5 >/dev/null || fail "the installed airace cannot run an installed what-if"
"$prefix/bin/airace" run $short -o default.h5 >/dev/null ||
  fail "the installed airace does not find its default scenario"
"$prefix/bin/airace" run "$prefix/share/airace/scenarios/baseline.yaml" $short -o named.h5 \
  >/dev/null || fail "the installed airace cannot run the installed baseline"
/usr/bin/python3 "$prefix/share/airace/scripts/same_results.py" default.h5 named.h5 >/dev/null ||
  fail "the default scenario is not the installed baseline"
"$prefix/bin/airace" check "$prefix/share/airace/scenarios/sweeps/baseline_lhs.yaml" >/dev/null ||
  fail "the installed airace cannot check an installed sweep"
"$prefix/bin/airace" compare default.h5 whatif.h5 >/dev/null ||
  fail "the installed airace cannot compare its runs"
/usr/bin/python3 "$prefix/share/airace/scripts/plot.py" default.h5 -o plots >/dev/null &&
  test -s plots/overview.png || fail "the installed plot.py draws nothing"
echo "installed into $prefix and ran from $work: OK"
