#!/usr/bin/env python3
"""Huawei's Ascend output per year, and which input binds it, from an airace run of the baseline.

    python3 scripts/ascend_binding.py RUN.h5 [--producer huawei_smic] [--years 2023:2027]

For each calendar year it prints the Ascend chips (units, every chip of the producer, summed over
destinations, legal and smuggled) sold in the year, median and 5-95% band over replicates, and
the share of the year's weeks (over all replicates) in which each input binds. In a week the
chip starts sold (units x capacity_per_chip) are compared with the supply limits the run records
(docs/model.md §3.3.1):

- `capacity`: the starts sold reach the producer's capacity for the week
  (`/producers/capacity_chips_per_year` at the week's start x 7/365.25): dies are there (own or from the die bank)
  and the producer's chip starts, packaging and test, are the limit;
- `dies`: the starts sold reach `/producers/die_limited_chips` below capacity: working dies (own
  dies at the yield, under the wafer ceiling, plus the die bank's dies as they arrive) run out;
- `HBM`: the starts sold reach `/producers/hbm_limited_chips`, the smaller limit that week;
- `demand`: none is reached; buyers want no more at the price in force.

A limit is reached when the starts sold are within 0.1% of it. docs/calibration.md ("Huawei's
Ascend output and what binds it") embeds this table for the 100-replicate baseline.
Exit status 2 when the file cannot be read or lacks the series.
"""

import argparse
import datetime
import os
import sys

try:
    import h5py
    import numpy as np
except ImportError:
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    sys.exit("ascend_binding.py: needs python3-h5py and python3-numpy (bash scripts/setup.sh)")

EPOCH = datetime.date(1970, 1, 1)
REACHED = 0.999  # starts sold within 0.1% of a limit reach it


def names(ds):
    return [x.decode() if isinstance(x, bytes) else str(x) for x in ds[:]]


def table(path, producer="huawei_smic", first=2023, last=2027):
    """Rows (year, units in millions per replicate, shares of weeks bound by capacity, dies,
    HBM and demand). Raises OSError, KeyError or ValueError on a file it cannot read."""
    f = h5py.File(path, "r")
    producers = names(f["producers/producer"])
    if producer not in producers:
        raise ValueError(f"no producer '{producer}' (has {', '.join(producers)})")
    p = producers.index(producer)
    days = f["producers/time_weekly"][:]
    # The week's supply is set by the capacity at its start: the previous record.
    cap = f["producers/capacity_chips_per_year"][:, :, p] * 7 / 365.25
    cap = np.concatenate([cap[:, :1], cap[:, :-1]], axis=1)
    die = f["producers/die_limited_chips"][:, :, p]
    hbm = f["producers/hbm_limited_chips"][:, :, p]
    chips = [i for i, x in enumerate(names(f["chips/producer"])) if x == producer]
    per_chip = f["chips/capacity_per_chip"][:]
    sold = f["chips/sales"][:][:, :, chips, :].sum(axis=3)
    sold = sold + f["chips/smuggled"][:][:, :, chips, :].sum(axis=3)
    starts = (sold * per_chip[chips][None, None, :]).sum(axis=2)
    units = sold.sum(axis=2)
    year = np.array([(EPOCH + datetime.timedelta(days=int(d))).year for d in days])
    reached = starts >= REACHED * np.minimum(die, hbm)
    by_hbm = reached & (hbm < die)
    by_capacity = reached & ~by_hbm & (die >= REACHED * cap)
    by_dies = reached & ~by_hbm & ~by_capacity
    rows = []
    for y in range(first, last + 1):
        m = year == y
        if m.any():
            rows.append((y, units[:, m].sum(axis=1) / 1e6,
                         [float(x[:, m].mean()) for x in (by_capacity, by_dies, by_hbm, ~reached)]))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run", help="airace output file (HDF5)")
    ap.add_argument("--producer", default="huawei_smic", help="producer id (default huawei_smic)")
    ap.add_argument("--years", default="2023:2027", help="FIRST:LAST calendar years")
    a = ap.parse_args()
    try:
        first, last = (int(y) for y in a.years.split(":"))
    except ValueError:
        print(f"ascend_binding.py: --years {a.years}: expected FIRST:LAST, e.g. 2023:2027",
              file=sys.stderr)
        return 2
    try:
        rows = table(a.run, a.producer, first, last)
    except (OSError, KeyError, ValueError) as e:
        print(f"ascend_binding.py: {a.run}: {e}", file=sys.stderr)
        return 2
    print("| Year | Ascend units, median [5-95%] | capacity | dies | HBM | demand |")
    print("|---|---|---|---|---|---|")
    for y, u, shares in rows:
        lo, med, hi = np.percentile(u, [5, 50, 95])
        print(f"| {y} | {med:.2f}M [{lo:.2f} .. {hi:.2f}] | " +
              " | ".join(f"{100 * s:.0f}%" for s in shares) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
