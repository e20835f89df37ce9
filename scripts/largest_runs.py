#!/usr/bin/python3
"""The largest training run released each year, against Epoch AI's notable-models data.

Usage: scripts/largest_runs.py RUN.h5 [--check]

For each calendar year of the run, the largest `training_flop` (physical FLOP of the model's
pre-training run) among the releases of that year, median and 5-95 % over replicates, with
the lab that released it in most replicates (and in how many), the largest run Epoch AI's
"Notable AI models" database lists as published that year (docs/calibration.md, "Largest
training runs") and the ratio of the two medians.

--check exits 1 unless every year with a published figure is within 2x of it (issue 20).
"""
import argparse
import sys

import h5py
import numpy as np

# Largest training compute (FLOP) of a model published in the year: Epoch AI, "Notable AI
# models" and "Models over 1e25 FLOP" (data insight, updated 2025-06).
EPOCH = {
    2022: (2.74e24, "Minerva 540B (Google, 2022-06); PaLM 2.53e24"),
    2023: (5.0e25, "Gemini 1.0 Ultra (Google DeepMind, 2023-12)"),
    2024: (4.98e25, "Claude 3.5 Sonnet (Anthropic, 2024-06); GPT-4o 3.81e25, Llama 3.1 405B 3.8e25"),
    2025: (4.6e26, "Grok 3 (xAI, 2025-02)"),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run")
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    try:
        f = h5py.File(a.run, "r")
        rel = f["releases"]
        rep = rel["release_replicate"][:]
        day = rel["date"][:]
        flop = rel["training_flop"][:]
        lab = np.array([x.decode() if isinstance(x, bytes) else str(x) for x in rel["lab"][:]])
    except (OSError, KeyError) as e:
        print(f"{a.run}: not an airace run with model releases ({e})", file=sys.stderr)
        return 2
    years = (np.datetime64("1970-01-01") + day.astype("timedelta64[D]")).astype("datetime64[Y]")
    years = years.astype(int) + 1970
    replicates = int(rep.max()) + 1 if len(rep) else 0
    ok = True
    print(f"{'year':>4}  {'model median':>12}  {'5-95 %':>22}  {'released by':>22}  "
          f"{'Epoch':>8}  {'ratio':>5}  Epoch's model")
    for y in range(int(years.min()), int(years.max()) + 1):
        best, holder = [], []
        for r in range(replicates):
            sel = np.flatnonzero((rep == r) & (years == y))
            if len(sel):
                i = sel[np.argmax(flop[sel])]
                best.append(flop[i])
                holder.append(lab[i])
        if not best:
            continue
        med = np.median(best)
        lo, hi = np.percentile(best, [5, 95])
        labs, counts = np.unique(holder, return_counts=True)
        top = f"{labs[np.argmax(counts)]} {counts.max()}/{len(best)}"
        line = f"{y:>4}  {med:>12.2e}  [{lo:.2e}, {hi:.2e}]  {top:>22}"
        if y in EPOCH:
            ref, name = EPOCH[y]
            ratio = med / ref
            ok &= 0.5 <= ratio <= 2.0
            line += f"  {ref:>8.2e}  {ratio:>5.2f}  {name}"
        print(line)
    if a.check and not ok:
        print("some year's largest run is not within 2x of Epoch AI's", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
