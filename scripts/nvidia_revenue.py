#!/usr/bin/python3
"""Revenue and units of a producer by Nvidia fiscal quarter, against Nvidia's data-centre revenue.

Usage: scripts/nvidia_revenue.py RUN.h5 [--producer nvidia_tsmc] [--check] [--check-years]

Prints, per fiscal quarter (Nvidia's quarters end on the last Sunday of Apr/Jul/Oct/Jan), the
median over replicates of the producer's revenue (`producers/revenue_usd`, USD) and of the
chips sold of each of its chips (`chips/sales` + `chips/smuggled`, all countries), beside the
data-centre revenue Nvidia reported for the quarter (USD B; 10-Q/10-K, see REAL_DC_REVENUE).
The data-centre segment also holds networking (~10-15%) and systems, so the model's chip
revenue should sit somewhat below it.

A second table sums the fiscal years FY2023-FY2026 and sets the model beside the comparable
figure, Nvidia's accelerator ("compute") revenue: data-centre revenue less networking (REAL_FY,
with the sources). `--check-years` exits 1 unless each of FY2024-FY2026 (the ramp) lies
within 0.75..1.25x the comparable figure; FY2023 is printed, not checked (China's 2022 plans,
issue 24, and the 2022 level) (issue 23's tolerance, docs/calibration.md "Nvidia's revenue
ramp").

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
# Nvidia's fiscal years (Feb-Jan): data-centre revenue, its networking part and the comparable
# accelerator ("compute") revenue, USD billions. Data-centre revenue from the 10-Ks (FY2023
# $15.0B, FY2024 $47.5B, FY2025 $115.2B, FY2026 $193.7B). Networking: FY2025 ~$13.0B from the
# quarterly CFO commentaries ($3.1B in Q3, compute $27.6B); FY2024 ~$9.5B and FY2023 ~$4B from
# the Q3 FY2024 call (networking up 155% y/y, "a $10 billion plus run rate"); FY2026 ~$31B
# (Q3 $8.2B beside compute $43.0B, 10-Q; Q2 ~$7.3B, Q3 being +13% q/q; Q4 $11.0B, up 263% y/y;
# Q1 ~$5.0B). The model counts accelerators only.
REAL_FY = [
    ("FY2023", "2022-01-30", "2023-01-29", 15.0, 4.0),
    ("FY2024", "2023-01-29", "2024-01-28", 47.5, 9.5),
    ("FY2025", "2024-01-28", "2025-01-26", 115.2, 13.0),
    ("FY2026", "2025-01-26", "2026-01-25", 193.7, 31.5),
]
YEAR_LO, YEAR_HI = 0.75, 1.25
YEARS_CHECKED = ("FY2024", "FY2025", "FY2026")
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
    ap.add_argument("--check-years", action="store_true")
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
    print()
    print(f"{'year':7} {'DC $B':>7} {'compute $B':>10} {'model $B':>9} {'/compute':>8} {'/DC':>5}"
          "   (fiscal years Feb-Jan; compute = data-centre less networking)")
    year_failed = []
    for y, start, end, dc, net in REAL_FY:
        w = (weeks > day(start)) & (weeks <= day(end))
        if not w.any() or weeks[-1] < day(end):
            continue
        model = np.median(rev[:, w].sum(axis=1)) / 1e9
        comp = dc - net
        print(f"{y:7} {dc:7.1f} {comp:10.1f} {model:9.1f} {model / comp:8.2f} {model / dc:5.2f}")
        if y in YEARS_CHECKED and not YEAR_LO <= model / comp <= YEAR_HI:
            year_failed.append(f"{y}: {model / comp:.2f}x")
    if a.check_years and year_failed:
        print(f"FAILED: revenue outside {YEAR_LO}..{YEAR_HI}x the comparable compute revenue: " +
              ", ".join(year_failed))
        sys.exit(1)
    if a.check and failed:
        print(f"FAILED: revenue outside {CHECK_LO}..{CHECK_HI}x reported: " + ", ".join(failed))
        sys.exit(1)


if __name__ == "__main__":
    main()
