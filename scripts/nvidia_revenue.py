#!/usr/bin/python3
"""Revenue and units of a producer by Nvidia fiscal quarter, against Nvidia's data-centre revenue.

Usage: scripts/nvidia_revenue.py RUN.h5 [--producer nvidia_tsmc] [--check]

Prints, per fiscal quarter (Nvidia's quarters end on the last Sunday of Apr/Jul/Oct/Jan), the
median over replicates of the producer's revenue (`producers/revenue_usd`, USD) and of the
chips sold of each of its chips (`chips/sales` + `chips/smuggled`, all countries), beside the
data-centre revenue Nvidia reported for the quarter (USD B; 10-Q/10-K, see REAL_DC_REVENUE).
The data-centre segment also holds networking (~10-15%) and systems, so the model's chip
revenue should sit somewhat below it.

--check exits 1 unless, for the producer's median revenue, every fiscal quarter from FY2024 Q3
(ended 2023-10-29) to FY2025 Q4 (ended 2025-01-26) lies within 0.4..1.2x the reported revenue
(the mid-2023 gap the product mix once left: 0.5x and less).
"""
import argparse
import sys

import h5py
import numpy as np

# Nvidia data-centre revenue, USD billions, by fiscal quarter end (Nvidia 10-Q / 10-K and
# quarterly press releases: FY2023 $15.0B in all; FY2024 Q1 $4.28B, Q2 $10.32B, Q3 $14.51B,
# Q4 $18.40B; FY2025 Q1 $22.6B, Q2 $26.3B, Q3 $30.8B, Q4 $35.6B; FY2026 Q1 $39.1B, Q2 $41.1B,
# Q3 $51.2B).
REAL_DC_REVENUE = [
    ("FY23Q1", "2022-01-31", "2022-05-01", 3.75),
    ("FY23Q2", "2022-05-01", "2022-07-31", 3.81),
    ("FY23Q3", "2022-07-31", "2022-10-30", 3.83),
    ("FY23Q4", "2022-10-30", "2023-01-29", 3.62),
    ("FY24Q1", "2023-01-29", "2023-04-30", 4.28),
    ("FY24Q2", "2023-04-30", "2023-07-30", 10.32),
    ("FY24Q3", "2023-07-30", "2023-10-29", 14.51),
    ("FY24Q4", "2023-10-29", "2024-01-28", 18.40),
    ("FY25Q1", "2024-01-28", "2024-04-28", 22.56),
    ("FY25Q2", "2024-04-28", "2024-07-28", 26.27),
    ("FY25Q3", "2024-07-28", "2024-10-27", 30.77),
    ("FY25Q4", "2024-10-27", "2025-01-26", 35.58),
    ("FY26Q1", "2025-01-26", "2025-04-27", 39.11),
    ("FY26Q2", "2025-04-27", "2025-07-27", 41.10),
    ("FY26Q3", "2025-07-27", "2025-10-26", 51.22),
]
CHECKED = ("FY24Q3", "FY24Q4", "FY25Q1", "FY25Q2", "FY25Q3", "FY25Q4")
CHECK_LO, CHECK_HI = 0.4, 1.2


def names(f, key):
    return [x.decode() if isinstance(x, bytes) else str(x) for x in f[key][:]]


def day(iso):
    return np.datetime64(iso, "D").astype(np.int64)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run")
    ap.add_argument("--producer", default="nvidia_tsmc")
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    try:
        f = h5py.File(a.run, "r")
        producers = names(f, "producers/producer")
        chips = names(f, "chips/chip")
        chip_producer = names(f, "chips/producer")
        weeks = f["producers/time_weekly"][:].astype(np.int64)
        revenue = f["producers/revenue_usd"]
        sold = f["chips/sales"]
        smuggled = f["chips/smuggled"]
    except (OSError, KeyError) as err:
        sys.exit(f"nvidia_revenue.py: {a.run}: not a run file with producers and chips ({err})")
    if a.producer not in producers:
        sys.exit(f"nvidia_revenue.py: {a.run}: no producer '{a.producer}' (has {producers})")
    p = producers.index(a.producer)
    own = [i for i, q in enumerate(chip_producer) if q == a.producer]
    rev = revenue[:, :, p]
    units = (sold[:, :, :, :] + smuggled[:, :, :, :]).sum(axis=3)[:, :, own]
    header = f"{'quarter':7} {'ends':10} {'real $B':>8} {'model $B':>9} {'ratio':>6}  " + \
        " ".join(f"{chips[i]:>8}" for i in own) + "   (median chips sold, thousands)"
    print(header)
    failed = []
    for q, start, end, real in REAL_DC_REVENUE:
        w = (weeks > day(start)) & (weeks <= day(end))
        if not w.any():
            continue
        model = np.median(rev[:, w].sum(axis=1)) / 1e9
        u = np.median(units[:, w, :].sum(axis=1), axis=0) / 1e3
        ratio = model / real
        print(f"{q:7} {end:10} {real:8.2f} {model:9.2f} {ratio:6.2f}  " +
              " ".join(f"{x:8.0f}" for x in u))
        if q in CHECKED and not CHECK_LO <= ratio <= CHECK_HI:
            failed.append(f"{q}: {ratio:.2f}x")
    if a.check and failed:
        print(f"FAILED: revenue outside {CHECK_LO}..{CHECK_HI}x reported: " + ", ".join(failed))
        sys.exit(1)


if __name__ == "__main__":
    main()
