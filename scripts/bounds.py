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
- every firm's market value is finite and positive from its listing (`/markets/firm_listed`) and
  none before it (no value, no trading, no move), and no close moves more than its exchange's
  daily price limit (`/markets/firm_daily_price_limit`: the TWSE's 10 %, the STAR Market's 20 %);
- stocks and flows (compute, chips, sales, tokens, capex, revenue) are finite and nonnegative,
  prices positive, and fractions (pay, scarcity, legal and adoption shares) within [0, 1];
- adoption stays under its ceiling, no cloud serves more than its capacity, and no one uses a
  model that is not on offer (before its first release, or after it is withdrawn);
- the world's tokens take at least the serving compute of a model with 10^8 active parameters
  at an H100's full dense peak (989 TFLOP/s, 2 FLOP per active parameter and token): at most
  about 4.9 million tokens per H100e-second, where DeepSeek served ~4,900 per H800 (2025-02);
  no language model in use is smaller than GPT-2 small (2019, 124 million parameters);
- no more chips are sold than ordered (`chips/orders`, by chip, country and period);
- safety (docs/model.md §3.3.8): efforts are fractions of compute, a paused lab trains on
  nothing, incidents are whole, nonnegative and only ever added up, and no incident is traced to
  a lab before it holds a model.
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


def where_in(ds):
    """Names an index of dataset `ds` by its dimension scales: replicate, date, entity ids."""
    scales = []
    for d in range(ds.ndim):
        dim = ds.dims[d]
        scales.append((dim.label, dim[len(dim) - 1][:] if len(dim) else None))

    def where(i):
        parts = []
        for (label, values), k in zip(scales, i):
            if values is None or label == "replicate":
                parts.append(f"{label} {k}")
            elif label == "time":
                parts.append(str(np.datetime64("1970-01-01") + np.timedelta64(int(values[k]), "D")))
            else:
                parts.append(text(values[k:k + 1])[0])
        return ", ".join(parts)
    return where


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

    def series(name):
        return f[name] if name in f else None

    def check(name, test, bound):
        """Checks `bound` (a function of the values) over series `name`, if the run has it."""
        ds = series(name)
        if ds is not None:
            b.check(test, bound(ds[:]), where_in(ds))

    if "releases" in f:
        rel = f["releases"]
        rep, lab, date = rel["release_replicate"][:], text(rel["lab"][:]), text(rel["date_iso"][:])

        def release(i):
            return f"replicate {rep[i[0]]}, {lab[i[0]]} on {date[i[0]]}"

        flop, cap = rel["training_flop"][:], rel["capability"][:]
        b.check("released models were trained (FLOP > 0)", np.isfinite(flop) & (flop > 0), release)
        b.check("released models have a real capability (> 20 log10 FLOP)",
                np.isfinite(cap) & (cap > 20), release)
        b.check("no release before its run ends", rel["date"][:] >= rel["run_end"][:], release)
        b.check("runs end after they start", rel["run_end"][:] > rel["run_start"][:], release)
    check("labs/capability", "a lab's capability is a model's or none",
          lambda v: np.isnan(v) | (v > 20))
    check("labs/capital_usd", "no lab's capital below zero", lambda v: v >= 0)
    check("adoption/share", "adoption shares in [0, 1]", lambda v: (v >= 0) & (v <= 1))
    if series("adoption/share") is not None:
        share = f["adoption/share"]
        b.check("a country's shares add up to at most 1", share[:].sum(axis=3) <= 1 + 1e-9,
                where_in(share))
        none = np.array([o == "none" for o in text(f["adoption/option"][:])])  # not adopting
        offered = (np.isfinite(f["adoption/option_capability"][:]) | none)[:, :, None, :]
        b.check("no one uses a model that is not on offer (before its release, or withdrawn)",
                offered | (share[:] == 0), where_in(share))
        tokens = f["adoption/usage_mtokens_per_year"][:]
        b.check("a model that is used has a price above 0",
                (tokens == 0) | (f["adoption/price_usd_per_mtoken"][:] > 0), where_in(share))
    cap = series("markets/market_cap_usd")
    if cap is not None:
        # A firm has a value from its first day with a price (its listing, or the start) and
        # none before it: no firm trades before it exists.
        times = [k for k in f["markets"] if k.startswith("time_")]  # the markets' cadence axis
        days = f["markets"][times[0]][:] if len(times) == 1 else None
        listed = f["markets/firm_listed"][:] if "firm_listed" in f["markets"] else None
        if days is not None and listed is not None:
            before = (days[:, None] < listed[None, :])[None, :, :]
            b.check("market values finite and positive from each firm's listing",
                    before | (np.isfinite(cap[:]) & (cap[:] > 0)), where_in(cap))
            b.check("no firm has a value, trades or moves before its listing",
                    ~before | (np.isnan(cap[:]) & (f["markets/trading"][:] == 0) &
                               (f["markets/daily_return"][:] == 0)), where_in(cap))
        else:
            check("markets/market_cap_usd", "market values finite and positive",
                  lambda v: np.isfinite(v) & (v > 0))
    if series("markets/daily_return") is not None and "firm_daily_price_limit" in f["markets"]:
        limit = f["markets/firm_daily_price_limit"][:]
        limit = np.where(limit > 0, limit, np.inf)[None, None, :]
        check("markets/daily_return", "no close moves beyond its exchange's daily price limit",
              lambda v: np.abs(v) <= limit * (1 + 1e-9))
    for name in ["adoption/usage_mtokens_per_year", "labs/compute_h100e",
                 "labs/training_compute_h100e", "labs/talent", "labs/revenue_usd_per_year",
                 "labs/chips_installed", "chips/sales", "chips/smuggled", "chips/orders",
                 "chips/licence_fees_usd", "clouds/compute_h100e",
                 "clouds/served_inference_h100e", "indicators/compute_h100e",
                 "indicators/tokens_per_year", "indicators/capex_usd_per_year",
                 "indicators/inference_demand_h100e"]:
        check(name, f"{name} finite and nonnegative", lambda v: np.isfinite(v) & (v >= 0))
    for name in ["chips/price_usd", "chips/unit_cost_usd"]:
        check(name, f"{name} finite and positive", lambda v: np.isfinite(v) & (v > 0))
    for name in ["labs/pay_factor", "labs/compute_scarcity", "chips/legal_share",
                 "indicators/adoption_share", "indicators/cn_domestic_share",
                 "indicators/open_usage_share", "indicators/cn_open_share_abroad",
                 "indicators/cn_open_derivative_share"]:
        check(name, f"{name} a fraction", lambda v: np.isnan(v) | ((v >= 0) & (v <= 1)))
    if series("chips/sales") is not None:
        check("chips/orders", "no more chips sold than ordered",
              lambda v: v >= f["chips/sales"][:] * (1 - 1e-12))
    if series("indicators/adoption_ceiling") is not None:
        check("indicators/adoption_share", "adoption within its ceiling",
              lambda v: v <= f["indicators/adoption_ceiling"][:] + 1e-9)
    if series("clouds/serving_capacity_h100e") is not None:
        check("clouds/served_inference_h100e", "no cloud serves more than its capacity",
              lambda v: v <= f["clouds/serving_capacity_h100e"][:] * (1 + 1e-9) + 1e-9)
    if series("indicators/inference_demand_h100e") is not None:
        # The world's tokens (M tokens/year) per H100e-second of the serving compute they need
        # (a closed model's tokens are served in its maker's country, so countries differ).
        most = 989e12 / (2 * 1e8)
        compute = f["indicators/inference_demand_h100e"][:].sum(axis=2) * 365.25 * 86400
        tokens = f["indicators/tokens_per_year"][:].sum(axis=2)
        time = f["indicators/time_monthly"][:]
        b.check("the world's tokens need the serving compute of at least 1e8 active parameters "
                "each", (tokens == 0) | (tokens * 1e6 <= most * compute * (1 + 1e-9)),
                lambda i: f"replicate {i[0]}, {np.datetime64(int(time[i[1]]), 'D')}")
    for name in ["safety/effort", "safety/no_race_effort", "safety/race_pressure"]:
        check(name, f"{name} a fraction", lambda v: np.isfinite(v) & (v >= 0) & (v <= 1))
    for name in ["safety/training_factor", "safety/incident_memory", "safety/reputation_loss",
                 "safety/compute_demand_loss"]:
        check(name, f"{name} finite and nonnegative", lambda v: np.isfinite(v) & (v >= 0))
    if series("safety/paused") is not None:
        check("safety/training_factor", "a paused lab trains on nothing",
              lambda v: (f["safety/paused"][:] == 0) | (v == 0))
    if series("safety/incidents") is not None:
        check("safety/incidents", "incidents whole and nonnegative",
              lambda v: (v >= 0) & (v == np.round(v)))
        check("safety/incidents", "incidents only ever added up",
              lambda v: np.concatenate([np.ones_like(v[:, :1], bool), np.diff(v, axis=1) >= 0], axis=1))
    if "incidents" in f and "releases" in f:
        inc, rel = f["incidents"], f["releases"]
        first = {}
        for r, l, d in zip(rel["release_replicate"][:], text(rel["lab"][:]), rel["date"][:]):
            first[(r, l)] = min(first.get((r, l), d), d)
        irep, ilab, idate = inc["incident_replicate"][:], text(inc["lab"][:]), inc["date"][:]
        # A lab that held a model at the start has none in /releases before it: only labs with
        # no model at the start (their capability NaN on the first day) are checked.
        cap = f["labs/capability"][:]
        labs = text(f["labs/lab"][:])
        ok = np.array([not (np.isnan(cap[irep[i], 0, labs.index(ilab[i])]) and
                            idate[i] < first.get((irep[i], ilab[i]), np.inf))
                       for i in range(len(irep))], dtype=bool)
        b.check("no incident before the lab holds a model", ok,
                lambda i: f"replicate {irep[i[0]]}, {ilab[i[0]]}")
    if b.broken:
        print(f"{len(b.broken)} bounds broken: " + "; ".join(b.broken))
        return 1
    print("every bound holds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
