#!/usr/bin/python3
"""Whether labs decide their timing and their money holds: issue 20's checks on a run.

Usage: scripts/release_timing.py RUN.h5 [--check]

From `/releases` (lab, date), `/labs/capital_usd`, `/lab_finance` and
`/indicators/us_cn_gap_months`:
- per lab, the number of distinct release schedules across replicates (each replicate's list of
  release days) and the range of its number of releases;
- the largest share of all releases that falls on one day of the month;
- the US-CN gap's median month-to-month change (over replicates and months), against the change
  of its median from 2023-01 to 2025-12;
- the lowest capital of any lab in any replicate and month, and the funding rounds, cuts and
  exits the run recorded.

--check exits 1 unless every lab has at least 90 % as many distinct schedules as replicates and a
number of releases that varies, no day of the month holds more than 10 % of releases, the gap's
median monthly change is smaller than its 2023-2025 change, and no capital is below zero.
"""
import argparse
import sys

import h5py
import numpy as np


def text(values):
    return np.array([v.decode() if isinstance(v, bytes) else str(v) for v in values])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run")
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    try:
        f = h5py.File(a.run, "r")
        rel = f["releases"]
        rep = rel["release_replicate"][:]
        day = rel["date"][:].astype("int64")
        lab = text(rel["lab"][:])
        labs = text(f["labs/lab"][:])
        capital = f["labs/capital_usd"][:]
        gap = f["indicators/us_cn_gap_months"][:]
        months = f["indicators/time_monthly"][:].astype("int64")
        finance = text(f["lab_finance/kind"][:]) if "lab_finance" in f else np.array([])
    except (OSError, KeyError) as e:
        print(f"{a.run}: not an airace run with releases, labs and indicators ({e})",
              file=sys.stderr)
        return 2
    replicates = capital.shape[0]
    ok = True
    print(f"{'lab':<18} {'distinct schedules':>18} {'releases per replicate':>24}")
    for name in labs:
        schedules, counts = set(), []
        for r in range(replicates):
            days = tuple(np.sort(day[(rep == r) & (lab == name)]))
            schedules.add(days)
            counts.append(len(days))
        varies = min(counts) < max(counts)
        ok &= len(schedules) >= 0.9 * replicates and varies
        print(f"{name:<18} {len(schedules):>10} of {replicates:<5} "
              f"{min(counts):>12} to {max(counts)}")
    dom = (np.datetime64("1970-01-01") + day.astype("timedelta64[D]")).astype(object)
    dom = np.array([d.day for d in dom])
    share = np.bincount(dom, minlength=32)[1:] / max(len(dom), 1)
    ok &= share.max() <= 0.10
    print(f"day of the month with most releases: {share.argmax() + 1} "
          f"({100 * share.max():.1f} % of {len(dom)} releases)")
    step = np.nanmedian(np.abs(np.diff(gap, axis=1)))
    dates = np.datetime64("1970-01-01") + months.astype("timedelta64[D]")
    i0 = int(np.flatnonzero(dates == np.datetime64("2023-01-01"))[0])
    i1 = int(np.flatnonzero(dates == np.datetime64("2025-12-01"))[0])
    med = np.nanmedian(gap, axis=0)
    change = abs(med[i1] - med[i0])
    ok &= step < change
    print(f"US-CN gap: median month-to-month change {step:.2f} months; its median moves "
          f"{change:.2f} months from 2023-01 ({med[i0]:.1f}) to 2025-12 ({med[i1]:.1f})")
    low = np.nanmin(capital)
    ok &= low >= 0.0
    kinds, n = np.unique(finance, return_counts=True)
    print(f"lowest capital of any lab: {low / 1e9:.2f} $B; recorded: " +
          (", ".join(f"{k} {c}" for k, c in zip(kinds, n)) or "nothing"))
    if a.check and not ok:
        print("some check of issue 20's timing or money does not hold", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
