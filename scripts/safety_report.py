#!/usr/bin/python3
"""Race intensity, incidents and agreements in a run: docs/model.md §3.3.8 "Safety".

Usage: scripts/safety_report.py RUN.h5 [--base BASE.h5] [--from YEAR] [--to YEAR]

For each year, from `/safety` (a scenario with a `safety:` section):
- the probability of at least one incident of each severity in the year (the share of
  replicates with one) and the median count;
- the US-CN capability gap at the year's end (log10 FLOP, best US lab less best Chinese lab):
  median, 5-95 % and the probability of each sign;
- race intensity: the leading lab's lead over the next, and the safety effort of each country's
  best lab against its no-race effort (the same lab, incidents and rules, with no rival
  pressing it), medians;
- each agreement: the share of replicates where it is in force at the year's end, and where a
  party is breaking it.

With --base (a run of the same seed and replicates, e.g. the baseline): the what-if minus the
base, replicate by replicate: the change in the probability of a severe incident by each year's
end, and the gap's difference with its median, 5-95 % and the probability of each sign.
"""
import argparse
import datetime
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot  # noqa: E402  (the interpreter check: reruns under /usr/bin/python3 for h5py)

plot.ensure_dependencies(__file__)
import h5py  # noqa: E402
import numpy as np  # noqa: E402


def text(values):
    return [v.decode() if isinstance(v, bytes) else str(v) for v in values]


class Run:
    def __init__(self, path):
        f = h5py.File(path, "r")
        s = f["safety"]
        self.path = path
        days = s["time_monthly"][:].astype("int64")
        self.years = np.array([(datetime.date(1970, 1, 1) + datetime.timedelta(days=int(d))).year
                               for d in days])
        self.incidents = s["incidents"][:].sum(axis=2)  # replicate, month, severity
        self.severities = text(s["severity"][:])
        self.gap = s["us_cn_gap_log10"][:]
        self.lead = s["frontier_gap_log10"][:]
        self.effort = s["effort"][:]
        self.no_race = s["no_race_effort"][:]
        self.capability = f["labs/capability"][:]
        self.lab_country = np.array(text(f["labs/lab_country"][:]))
        self.agreements = text(s["agreement"][:]) if "agreement" in s else []
        self.in_force = s["agreement_in_force"][:] if self.agreements else None
        self.breached = s["agreement_breached"][:] if self.agreements else None
        meta = f["meta"].attrs
        self.seed = meta.get("seed")

    def year_end(self, y):
        idx = np.where(self.years == y)[0]
        return int(idx[-1]) if len(idx) else None

    def counts(self, y):
        """Incidents in year y per replicate and severity."""
        end = self.year_end(y)
        before = self.year_end(y - 1)
        start = self.incidents[:, before, :] if before is not None else 0.0
        return self.incidents[:, end, :] - start

    def by(self, y):
        """Incidents since the start, to the end of year y."""
        return self.incidents[:, self.year_end(y), :]

    def effort_ratio(self, t, country):
        """Median over replicates of effort / no-race effort of the country's best lab at t."""
        labs = np.where(self.lab_country == country)[0]
        if len(labs) == 0:
            return float("nan")
        cap = np.where(np.isnan(self.capability[:, t, labs]), -np.inf, self.capability[:, t, labs])
        best = labs[np.argmax(cap, axis=1)]
        r = np.arange(len(best))
        return float(np.median(self.effort[r, t, best] / self.no_race[r, t, best]))


def band(x):
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return "n/a"
    return f"{np.median(x):+.2f} [{np.percentile(x, 5):+.2f} .. {np.percentile(x, 95):+.2f}]"


def signs(x):
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return "n/a"
    return f"P(>0) {np.mean(x > 0):.2f}, P(<0) {np.mean(x < 0):.2f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run")
    ap.add_argument("--base")
    ap.add_argument("--from", dest="first", type=int)
    ap.add_argument("--to", dest="last", type=int)
    a = ap.parse_args()
    try:
        run = Run(a.run)
        base = Run(a.base) if a.base else None
    except (OSError, KeyError) as e:
        print(f"not an airace run of a scenario with a safety: section ({e})", file=sys.stderr)
        return 2
    if base is not None and (base.incidents.shape[0] != run.incidents.shape[0] or
                             base.seed != run.seed):
        print(f"{a.base} and {a.run} differ in seed or replicates: they cannot be paired",
              file=sys.stderr)
        return 2
    years = [y for y in sorted(set(run.years)) if run.year_end(y) is not None]
    years = [y for y in years if (a.first is None or y >= a.first) and (a.last is None or y <= a.last)]
    n = run.incidents.shape[0]
    print(f"{a.run}: {n} replicates")
    print("year  " + "  ".join(f"P({s}) [median n]" for s in run.severities) +
          "  US-CN gap log10 median [5-95%], P(US ahead)  lead  effort/no-race US, CN")
    for y in years:
        t = run.year_end(y)
        c = run.counts(y)
        cols = "  ".join(f"{np.mean(c[:, k] > 0):.2f} [{np.median(c[:, k]):.0f}]".ljust(len(s) + 14)
                         for k, s in enumerate(run.severities))
        g = run.gap[:, t]
        print(f"{y}  {cols}  {band(g)}, {np.mean(g[np.isfinite(g)] > 0):.2f}  "
              f"{np.nanmedian(run.lead[:, t]):.2f}  "
              f"{run.effort_ratio(t, 'US'):.2f}, {run.effort_ratio(t, 'CN'):.2f}")
    for k, ag in enumerate(run.agreements):
        print(f"agreement {ag}: in force at the year's end / a party breaking it, share of replicates")
        print("  " + "  ".join(f"{y}: {np.mean(run.in_force[:, run.year_end(y), k] > 0.5):.2f}/"
                               f"{np.mean(run.breached[:, run.year_end(y), k] > 0):.2f}"
                               for y in years))
    if base is None:
        return 0
    print(f"\nagainst {a.base}, replicate by replicate (what-if minus base):")
    severe = run.severities.index("severe")
    for y in years:
        t, tb = run.year_end(y), base.year_end(y)
        if tb is None:
            continue
        p_run = np.mean(run.by(y)[:, severe] > 0)
        p_base = np.mean(base.by(y)[:, severe] > 0)
        d = run.gap[:, t] - base.gap[:, tb]
        print(f"{y}  P(a severe incident by the year's end) {p_base:.2f} -> {p_run:.2f} "
              f"({p_run - p_base:+.2f})  US-CN gap change {band(d)} log10, {signs(d)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
