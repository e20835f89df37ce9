"""Installs the airace Python package (python/) into a fresh virtual environment that uses
Debian's numpy, h5py, xarray and pandas, offline, and runs the README's Python example in it: it
must give a pandas frame of the gap's 5/50/95% quantiles, one row per month of the scenario.
Then the package's other calls, in the same environment: airace.open of a run file (every group,
dates decoded, units kept), airace.compare, airace.sweep and airace.analyse, and its errors for
bad input.

Usage: /usr/bin/python3 tests/python/check_python_package.py AIRACE WORKDIR
"""
import os
import pathlib
import re
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]

# Run in the virtual environment after the README's example, which defined `frame` and `res`.
CHECKS = r'''
import numpy as np, pandas as pd, warnings
import airace
assert airace.__file__.startswith(sys.prefix), "airace imported from %s, not the venv" % airace.__file__
assert isinstance(frame, pd.DataFrame), type(frame)
assert list(frame.columns) == [0.05, 0.5, 0.95], list(frame.columns)
dates = frame.index
assert str(dates.dtype).startswith("datetime64"), dates.dtype
assert dates[0] == pd.Timestamp("2022-01-01"), dates[0]
assert len(dates) == 108 and dates[-1] == pd.Timestamp("2030-12-01"), (len(dates), dates[-1])
assert (frame[0.05] <= frame[0.5]).all() and (frame[0.5] <= frame[0.95]).all()

# airace.open: every group of a run file, dates decoded, units kept.
with airace.open(sys.argv[1]) as f:
    assert f.kind == "run" and not f.unopened, f.unopened
    for group in ("indicators", "labs", "chips", "releases", "meta", "time"):
        assert group in f, (group, list(f))
    gap = f["indicators"]["us_cn_gap_months"]
    assert gap.dims == ("replicate", "time_monthly"), gap.dims
    assert gap.attrs["units"] == "months", gap.attrs
    assert str(gap.time_monthly.dtype).startswith("datetime64"), gap.time_monthly.dtype
    assert str(f["time"]["monthly"].dtype).startswith("datetime64")
    assert str(f["releases"]["date"].dtype).startswith("datetime64")
    assert f.meta["scenario_name"] == "small" and f.meta["replicates"] == 4, f.meta
    assert "scenario:" in f.meta["scenario_yaml"]
    df = f["labs"]["capability"].to_dataframe()
    assert list(df.index.names) == ["replicate", "time_monthly", "lab"], df.index.names

# airace.run with --set, then airace.compare of the two, paired by replicate.
base = airace.run("tests/data/small.yaml", replicates=2, seed=7)
strict = airace.run("tests/data/small.yaml", set={"us_government.enforcement": 3},
                    replicates=2, seed=7)
rows = airace.compare(base, strict, series="indicators/cn_smuggled_h100e", at="2023-12")
few = airace.run("tests/data/small.yaml", replicates=2, seed=7, groups=["indicators"],
                 series="labs/capability")
assert "capability" in few["labs"] and "compute_h100e" not in few["labs"], few["labs"]
assert "compute_h100e" in few["indicators"]
assert len(rows) == 1 and rows.pairing[0] == "paired", rows
assert rows.difference_median[0] < 0 and rows.entity[0] == "", rows
assert rows.date[0] == pd.Timestamp("2023-12-01"), rows.date[0]
path = base.path
base.close()
assert not os.path.exists(path), "the temporary run file outlived close()"

# airace.sweep opens what xarray can; airace.analyse gives the Sobol indices.
with warnings.catch_warnings(record=True):
    warnings.simplefilter("always")
    sw = airace.sweep("tests/data/sweeps/small_saltelli.yaml", out=sys.argv[2])
assert sw.kind == "sweep" and "metrics" in sw and "runs" in sw, list(sw)
assert sw["metrics"]["gap_end"].dims == ("point", "replicate")
indices = airace.analyse(sw, resamples=20)
assert set(indices.metric) == {"gap_end", "cn_capability_mean"}, indices
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    reopened = airace.open(sys.argv[2])
# Every group of an analysed sweep file opens (the writer attaches its dimension scales).
assert not reopened.unopened, reopened.unopened
assert not caught, [str(w.message) for w in caught]
assert "sensitivity/gap_end" in reopened, list(reopened)
assert reopened["sensitivity/gap_end"]["total"].dims == ("parameter",), \
    reopened["sensitivity/gap_end"]["total"].dims

# Bad input: AiraceError naming what is wrong, never a traceback of another kind.
for call, expected in ((lambda: airace.open("no/such.h5"), "no/such.h5: no such file"),
                       (lambda: airace.open("README.md"), "not an HDF5 file"),
                       (lambda: airace.run("no_such.yaml"), "no_such.yaml"),
                       (lambda: airace.run("tests/data/small.yaml", set={"labs.nobody.x": 1}),
                        "labs.nobody")):
    try:
        call()
    except airace.AiraceError as e:
        assert expected in str(e), (expected, str(e))
    else:
        raise AssertionError("no AiraceError for " + expected)
os.environ["AIRACE_BIN"] = "/no/such/airace"
try:
    airace.run("tests/data/small.yaml")
except airace.AiraceError as e:
    assert "AIRACE_BIN=/no/such/airace" in str(e), str(e)
else:
    raise AssertionError("a missing AIRACE_BIN was not refused")
print("python package: README example and checks passed")
'''


def readme_example():
    """The README's Python example: the ```python block under "From Python"."""
    text = (ROOT / "README.md").read_text()
    found = re.search(r"From Python.*?```python\n(.*?)```", text, re.S)
    if not found:
        sys.exit("README.md has no ```python block after 'From Python'")
    return found.group(1)


def main():
    airace, work = pathlib.Path(sys.argv[1]).resolve(), pathlib.Path(sys.argv[2])
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    venv = work / "venv"
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", str(venv)],
                   check=True)
    # Offline: no index, no build isolation, no dependencies fetched (Debian's are used).
    env = dict(os.environ, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("PYTHONPATH", None)
    # From a copy: setuptools leaves build/ and airace.egg-info/ beside the sources.
    source = work / "python"
    shutil.copytree(ROOT / "python", source,
                    ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "--no-deps",
                    "--no-build-isolation", str(source)], check=True, env=env, cwd=work)
    run_file = work / "small.h5"
    subprocess.run([str(airace), "run", "tests/data/small.yaml", "-q", "-o", str(run_file)],
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    program = work / "readme_example.py"
    program.write_text("import os, sys\n" + readme_example() + CHECKS)
    env["AIRACE_BIN"] = str(airace)
    done = subprocess.run([str(venv / "bin" / "python"), str(program), str(run_file),
                           str(work / "sweep.h5")], cwd=ROOT, env=env)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
