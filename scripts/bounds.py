#!/usr/bin/python3
"""Earthly bounds: no value of a run leaves the range the real world allows.

Usage: scripts/bounds.py RUN.h5

Checks every replicate of a run file and exits 1 naming each bound broken, with the first
replicate, date and entity that breaks it:
- a released model was trained: its physical training FLOP is positive and finite and its
  capability (log10 effective FLOP) above 20 (no model in scope was trained on less than
  1e20 FLOP); it comes out no earlier than its run ends, and its run ends after it starts;
- a lab's capability is that of a model or none (NaN), never a number below 20;
- adoption: every share lies in [0, 1] and a country's shares add up to at most 1; tokens are
  finite and nonnegative, and a model that is used has a price above 0;
- no lab's capital is below zero;
- every firm's market value is finite and positive;
- stocks and flows (compute, chips, sales, tokens, capex, revenue) are finite and nonnegative,
  prices positive, and fractions (pay, scarcity, legal and adoption shares) within [0, 1];
- adoption stays under its ceiling, no cloud serves more than its capacity, and no one uses a
  model that is not on offer (before its first release, or after it is withdrawn).
Each bound came from a fault found in the output (docs/model.md, the rule that fixed it).
"""
import sys

import h5py
import numpy as np


def text(values):
    return [v.decode() if isinstance(v, bytes) else str(v) for v in values]


class Bounds:
    def __init__(self):
        self.broken = []

    def check(self, name, ok, where):
        """ok: a boolean array; where: a function from an index tuple to a description."""
        ok = np.asarray(ok)
        if ok.all():
            print(f"ok    {name}")
            return
        first = tuple(int(i) for i in np.argwhere(~ok)[0])
        self.broken.append(name)
        print(f"FAIL  {name}: {int((~ok).sum())} values, the first {where(first)}")


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        f = h5py.File(sys.argv[1], "r")
    except OSError as e:
        print(f"{sys.argv[1]}: cannot read ({e})", file=sys.stderr)
        return 2
    b = Bounds()
    if "releases" in f:
        rel = f["releases"]
        rep, lab, date = rel["release_replicate"][:], text(rel["lab"][:]), text(rel["date_iso"][:])

        def release(i):
            return f"replicate {rep[i[0]]}, {lab[i[0]]} on {date[i[0]]}"

        flop = rel["training_flop"][:]
        b.check("released models were trained (FLOP > 0)", np.isfinite(flop) & (flop > 0), release)
        b.check("released models have a real capability (> 20 log10 FLOP)",
                np.isfinite(rel["capability"][:]) & (rel["capability"][:] > 20), release)
        b.check("no release before its run ends", rel["date"][:] >= rel["run_end"][:], release)
        b.check("runs end after they start", rel["run_end"][:] > rel["run_start"][:], release)
    if "labs" in f:
        labs = f["labs"]
        names = text(labs["lab"][:])
        days = labs["time_monthly"][:]

        def lab_at(i):
            day = np.datetime64("1970-01-01") + np.timedelta64(int(days[i[1]]), "D")
            return f"replicate {i[0]}, {names[i[2]]} on {day}"

        cap = labs["capability"][:]
        b.check("a lab's capability is a model's or none", np.isnan(cap) | (cap > 20), lab_at)
        b.check("no lab's capital below zero", labs["capital_usd"][:] >= 0, lab_at)
    if "adoption" in f:
        a = f["adoption"]
        countries, options = text(a["country"][:]), text(a["option"][:])
        days = a["time_monthly"][:]

        def at(i):
            day = np.datetime64("1970-01-01") + np.timedelta64(int(days[i[1]]), "D")
            return f"replicate {i[0]}, {countries[i[2]]}, {options[i[3]]} on {day}"

        def country_at(i):
            day = np.datetime64("1970-01-01") + np.timedelta64(int(days[i[1]]), "D")
            return f"replicate {i[0]}, {countries[i[2]]} on {day}"

        share = a["share"][:]
        b.check("adoption shares in [0, 1]", (share >= 0) & (share <= 1), at)
        b.check("a country's shares add up to at most 1", share.sum(axis=3) <= 1 + 1e-9,
                country_at)
        tokens = a["usage_mtokens_per_year"][:]
        b.check("tokens finite and nonnegative", np.isfinite(tokens) & (tokens >= 0), at)
        price = a["price_usd_per_mtoken"][:]
        b.check("a model that is used has a price above 0", (tokens == 0) | (price > 0), at)
    if "markets" in f:
        m = f["markets"]
        firms = text(m["firm"][:])
        days = m["time_trading_daily"][:]

        def firm_at(i):
            day = np.datetime64("1970-01-01") + np.timedelta64(int(days[i[1]]), "D")
            return f"replicate {i[0]}, {firms[i[2]]} on {day}"

        cap = m["market_cap_usd"][:]
        b.check("market values finite and positive", np.isfinite(cap) & (cap > 0), firm_at)
    # Series with a floor, or a fraction's range; each index named by its dimension scale.
    def series(name):
        return f[name] if name in f else None

    def index_of(ds):
        scales = []
        for d in range(ds.ndim):
            dim = ds.dims[d]
            values = dim[len(dim) - 1][:] if len(dim) else None
            scales.append((dim.label, values))

        def where(i):
            parts = []
            for (label, values), k in zip(scales, i):
                if values is None or label == "replicate":
                    parts.append(f"{label} {k}")
                elif label == "time":
                    day = np.datetime64("1970-01-01") + np.timedelta64(int(values[k]), "D")
                    parts.append(str(day))
                else:
                    v = values[k]
                    parts.append(v.decode() if isinstance(v, bytes) else str(v))
            return ", ".join(parts)
        return where

    for name in ["labs/compute_h100e", "labs/training_compute_h100e", "labs/talent",
                 "labs/revenue_usd_per_year", "labs/chips_installed", "chips/sales",
                 "chips/smuggled", "chips/licence_fees_usd", "clouds/compute_h100e",
                 "clouds/served_inference_h100e", "indicators/compute_h100e",
                 "indicators/tokens_per_year", "indicators/capex_usd_per_year",
                 "indicators/inference_demand_h100e"]:
        ds = series(name)
        if ds is not None:
            v = ds[:]
            b.check(f"{name} finite and nonnegative", np.isfinite(v) & (v >= 0), index_of(ds))
    for name in ["chips/price_usd", "chips/unit_cost_usd"]:
        ds = series(name)
        if ds is not None:
            v = ds[:]
            b.check(f"{name} finite and positive", np.isfinite(v) & (v > 0), index_of(ds))
    for name in ["labs/pay_factor", "labs/compute_scarcity", "chips/legal_share",
                 "indicators/adoption_share", "indicators/cn_domestic_share",
                 "indicators/open_usage_share", "indicators/cn_open_share_abroad",
                 "indicators/cn_open_derivative_share"]:
        ds = series(name)
        if ds is not None:
            v = ds[:]
            b.check(f"{name} a fraction", np.isnan(v) | ((v >= 0) & (v <= 1)), index_of(ds))
    if series("indicators/adoption_share") is not None and series(
            "indicators/adoption_ceiling") is not None:
        ds = f["indicators/adoption_share"]
        b.check("adoption within its ceiling",
                ds[:] <= f["indicators/adoption_ceiling"][:] + 1e-9, index_of(ds))
    if series("clouds/served_inference_h100e") is not None and series(
            "clouds/serving_capacity_h100e") is not None:
        ds = f["clouds/served_inference_h100e"]
        b.check("no cloud serves more than its capacity",
                ds[:] <= f["clouds/serving_capacity_h100e"][:] * (1 + 1e-9) + 1e-9, index_of(ds))
    if series("adoption/share") is not None and series("adoption/option_capability") is not None:
        ds = f["adoption/share"]
        none = np.array([o == "none" for o in text(f["adoption/option"][:])])  # not adopting
        offered = (np.isfinite(f["adoption/option_capability"][:]) | none)[:, :, None, :]
        b.check("no one uses a model that is not on offer (before its release, or withdrawn)",
                offered | (ds[:] == 0), index_of(ds))
    if b.broken:
        print(f"{len(b.broken)} bounds broken: " + "; ".join(b.broken))
        return 1
    print("every bound holds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
