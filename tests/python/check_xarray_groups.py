"""Every group of a run file, a sweep file (a whole one, analysed, and one merged from shards)
opens with xarray as it is: no missing dimension scale, no phony_dim_* names, no variable that
xarray cannot decode; kept sweep series have their dates as datetime64 and their entity ids as
coordinates.

    /usr/bin/python3 tests/python/check_xarray_groups.py AIRACE WORKDIR

`airace compare` writes no HDF5 file (a table and CSV), so there is no compare file to open; the
run files it reads are the run files checked here.
"""
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np
import xarray as xr

SWEEP = """\
sweep:
  name: xarray_groups
  base: {base}
  seed: 5
design:
  type: saltelli
  base_rows: 4
parameters:
  - key: labs.cn_lab.efficiency_growth_per_year
    range: [1.5, 5]
  - key: lab_model.open_spillover_per_year
    range: [0.5, 3]
metrics:
  - name: gap_end
    series: indicators/us_cn_gap_months
    value_at: 2023-12-31
  - name: cn_compute_mean
    series: indicators/compute_h100e
    entity: {{country: CN}}
    mean: {{}}
  - name: gap_below_zero
    series: indicators/us_cn_gap_months
    first_crossing: {{threshold: 0, direction: down}}
keep_series: [indicators/us_cn_gap_months, indicators/compute_h100e]
"""


def run(cmd):
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def groups_of(path):
    names = ["/"]
    with h5py.File(path, "r") as f:
        f.visititems(lambda n, o: names.append("/" + n) if isinstance(o, h5py.Group) else None)
    return names


def check_file(path, problems):
    """Opens every group with the h5netcdf engine (the one Debian's xarray has) and loads it."""
    opened = 0
    for group in groups_of(path):
        where = "%s:%s" % (os.path.basename(path), group)
        try:
            with xr.open_dataset(path, group=group, engine="h5netcdf") as ds:
                ds.load()
                phony = [str(d) for d in ds.dims if str(d).startswith("phony_dim")]
                if phony:
                    problems.append("%s: phony dimensions %s" % (where, ", ".join(phony)))
                opened += 1
        except Exception as e:  # any failure to open is what this check exists to report
            problems.append("%s: xarray cannot open it: %s: %s" % (where, type(e).__name__, e))
    return opened


def check_kept_series(path, problems):
    """The kept series carry their dates and entity ids as coordinates."""
    where = os.path.basename(path) + ":/series/indicators"
    try:
        with xr.open_dataset(path, group="series/indicators", engine="h5netcdf") as ds:
            gap = ds["us_cn_gap_months"]
            if gap.dims != ("point", "replicate", "time_monthly"):
                problems.append("%s: us_cn_gap_months has dimensions %s" % (where, gap.dims))
            compute = ds["compute_h100e"]
            if compute.dims[:3] != ("point", "replicate", "time_monthly") or \
                    "country" not in compute.dims:
                problems.append("%s: compute_h100e has dimensions %s" % (where, compute.dims))
            if ds["time_monthly"].dtype.kind != "M":
                problems.append("%s: time_monthly decodes to %s, not datetime64"
                                % (where, ds["time_monthly"].dtype))
            countries = [str(c) for c in ds["country"].values]
            if "CN" not in countries or "US" not in countries:
                problems.append("%s: the country coordinate holds %s" % (where, countries))
            cn = compute.sel(country="CN").isel(point=0, replicate=0).values
            with h5py.File(path, "r") as f:
                raw = f["series/indicators/compute_h100e"][0, 0, :, countries.index("CN")]
            if not np.array_equal(cn, raw, equal_nan=True):
                problems.append("%s: compute_h100e for CN differs between xarray and h5py" % where)
            first = str(ds["time_monthly"].values[0])[:10]
            with h5py.File(path, "r") as f:
                iso = f["series/time_monthly"].asstr()[0]
            if first != iso:
                problems.append("%s: the first date is %s in xarray, %s in /series/time_monthly"
                                % (where, first, iso))
    except Exception as e:
        problems.append("%s: %s: %s" % (where, type(e).__name__, e))


def check_sensitivity(path, problems):
    where = os.path.basename(path) + ":/sensitivity/gap_end"
    try:
        with xr.open_dataset(path, group="sensitivity/gap_end", engine="h5netcdf") as ds:
            if ds["first_order"].dims != ("parameter",):
                problems.append("%s: first_order has dimensions %s" % (where, ds["first_order"].dims))
            names = [str(p) for p in ds["parameter"].values]
            if names != ["labs.cn_lab.efficiency_growth_per_year",
                         "lab_model.open_spillover_per_year"]:
                problems.append("%s: the parameter coordinate holds %s" % (where, names))
    except Exception as e:
        problems.append("%s: %s: %s" % (where, type(e).__name__, e))


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    airace, work = sys.argv[1], sys.argv[2]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    sweep_file = os.path.join(work, "sweep.yaml")
    with open(sweep_file, "w") as f:
        f.write(SWEEP.format(base=os.path.abspath("tests/data/small.yaml")))
    run_file = os.path.join(work, "run.h5")
    sweep_out = os.path.join(work, "sweep.h5")
    merged = os.path.join(work, "merged.h5")
    run([airace, "run", "tests/data/small.yaml", "-r", "2", "-q", "-o", run_file])
    run([airace, "sweep", sweep_file, "-q", "-o", sweep_out])
    run([airace, "analyse", sweep_out, "--resamples", "20"])
    parts = []
    for i in range(2):
        parts.append(os.path.join(work, "part-%d.h5" % i))
        run([airace, "sweep", sweep_file, "-q", "--shard", "%d/2" % i, "-o", parts[-1]])
    run([airace, "merge", *parts, "-o", merged])

    problems = []
    opened = 0
    for path in (run_file, sweep_out, merged, parts[0]):
        opened += check_file(path, problems)
    for path in (sweep_out, merged):
        check_kept_series(path, problems)
    check_sensitivity(sweep_out, problems)
    for p in problems:
        print("FAIL:", p)
    if problems:
        return 1
    print("every group of %d files opens with xarray (%d groups)" % (4, opened))
    return 0


if __name__ == "__main__":
    sys.exit(main())
