#!/usr/bin/python3
"""Where a run's markets stand against issue 23's "done when" bounds.

Usage: scripts/markets_check.py RUN.h5 [--check]

Prints, over the run's replicates:
- Nvidia's market capitalisation on 2024-12-31, median and 5-95 %, against 0.5x-2x of its
  actual $3.355T ([1.68, 6.71] $T);
- each firm's and the index's 95th percentile at the last trading day of 2030 (bound $30T a
  firm);
- the days of 2022-2025 on which Nvidia fell more than 10 % (median, 5-95 %; history: 1,
  2025-01-27), and its daily returns' standard deviation and excess kurtosis over trading days
  (history 2015-01..2024-07: 3.05 % and 8.87, stocknear.com);
- Nvidia's return on each policy-rate decision day, with the decision's surprise (a decision
  equal to the expected one should move nothing beyond a day's noise);
- Nvidia's largest one-day fall of 2025: its most common day, the share of replicates in which
  it is 2025-01-21 (the first trading day after DeepSeek-R1) or 2025-01-27 (the real shock), and
  their median returns;
- the days from DeepSeek-R1's release to the peak of its attention, when investors price it
  (docs/model.md §3.3.7 "Attention"), and Nvidia's return that day; TSMC's and SK hynix's on
  their own R1 days, after the Lunar New Year closures, against what they did;
- every firm's median move on the day it priced R1 beside history's on 2025-01-27 (or its
  listing's first trading day after), each also as a share of Nvidia's (docs/data/
  firm_daily_returns.csv);
- what Nvidia's largest fall of 2025 is in each replicate: R1 (on the day that replicate priced
  it), another release priced that day (by lab), or a day without a release;
- the tail of Nvidia's daily returns each year: its largest one-day fall (median, 5th
  percentile and worst over replicates) and the days below -20 % and -30 % summed over
  replicates (issue 23). History: Nvidia's worst day of 2022-2025 was -17.0 % (2025-01-27), none
  below -20 %; the largest fall of a US firm worth over $500B before it, Meta -26 % (2022-02-03).

--check exits 1 unless the first three bounds hold.
"""
import argparse
import sys

import h5py
import numpy as np

# The firms' history (docs/data/firm_daily_returns.csv) and the readers shared with it.
from firm_returns import day, history, names


# Firms listed where the Lunar New Year closed the exchange the week of DeepSeek-R1's shock, with
# what they did on reopening.
ASIAN_R1_DAYS = [
    ("tsmc", "TWSE closed 2025-01-27..31; on 2025-02-03 TSMC slid as much as 6.6 % intraday "
             "(Bloomberg), US tariffs announced the same weekend"),
    ("sk_hynix", "KRX closed 2025-01-27..30; SK hynix -9.86 % on 2025-01-31 (Sharecast)"),
]


def iso(d):
    return str(np.datetime64(int(d), "D"))


def pct(x, q):
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    return np.percentile(x, q) if len(x) else np.nan


def r1_cross_section(lab, firm, date, moves):
    """Every firm on the day it priced R1, against its listing's first trading day on or after
    2025-01-27 (docs/data/firm_daily_returns.csv, r1_return_pct), each also as a share of
    Nvidia's move: a check of the loadings out of the sample they come from."""
    on = (lab == "deepseek") & (date == day("2025-01-20"))
    model = {k: np.median(moves[on & (firm == k)]) for k in dict.fromkeys(firm[on])}
    real = {k: float(h["r1_return_pct"]) / 100 for k, h in history().items()
            if h["r1_return_pct"]}
    if "nvidia" not in model or "nvidia" not in real:
        return
    print("  every firm on its R1 day, median over replicates / history (first trading day on or "
          "after 2025-01-27), and as a share of Nvidia's move:")
    for k, m in model.items():
        if k not in real:
            continue
        print("    %-20s %+6.1f%% / %+6.1f%%   %+5.2f / %+5.2f"
              % (k, 100 * m, 100 * real[k], m / model["nvidia"], real[k] / real["nvidia"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run")
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    f = h5py.File(a.run, "r")
    firms = names(f, "markets/firm")
    days = f["markets/time_trading_daily"][:]
    cap = f["markets/market_cap_usd"]
    ret = f["markets/daily_return"]
    trading = f["markets/trading"][0, :, :]
    nv = firms.index("nvidia")
    ok = True

    i24 = np.searchsorted(days, day("2024-12-31"), side="right") - 1
    c24 = cap[:, i24, nv] / 1e12
    lo, med, hi = pct(c24, 5), pct(c24, 50), pct(c24, 95)
    inside = lo >= 3.355 * 0.5 and hi <= 3.355 * 2
    ok &= inside
    print("Nvidia 2024-12-31: median %.2f $T, 5-95%% [%.2f, %.2f] $T; bound [1.68, 6.71]: %s"
          % (med, lo, hi, "inside" if inside else "OUTSIDE"))

    i30 = np.searchsorted(days, day("2030-12-31"), side="right") - 1
    worst = 0.0
    rows = []
    for k, firm in enumerate(firms):
        p95 = pct(cap[:, i30, k], 95) / 1e12
        worst = max(worst, p95)
        rows.append("%s %.2f/%.2f" % (firm, pct(cap[:, i30, k], 50) / 1e12, p95))
    idx = f["markets/index_usd"][:, i30] / 1e12
    ok &= worst <= 30
    print("%s: median/p95 $T by firm: %s" % (iso(days[i30]), ", ".join(rows)))
    print("  largest firm p95 %.1f $T (bound 30): %s; index median %.1f, p95 %.1f $T"
          % (worst, "ok" if worst <= 30 else "EXCEEDED", pct(idx, 50), pct(idx, 95)))

    span = (days >= day("2022-01-01")) & (days <= day("2025-12-31")) & (trading[:, nv] == 1)
    r = ret[:, :, nv][:, span]
    falls = (r < -0.10).sum(axis=1)
    ok &= np.median(falls) <= 3
    sd = r.std(axis=1)
    kurt = ((r - r.mean(axis=1, keepdims=True)) ** 4).mean(axis=1) / sd ** 4 - 3
    print("Nvidia days 2022-2025 below -10%%: median %.1f, 5-95%% [%.0f, %.0f] (bound 3; history 1)"
          % (np.median(falls), pct(falls, 5), pct(falls, 95)))
    print("  daily sd %.2f%% (history 3.05%%), excess kurtosis %.1f (history 8.87), medians"
          % (100 * np.median(sd), np.median(kurt)))

    print("  median |daily return| over those days: %.2f%%" % (100 * np.median(np.abs(r))))
    # the baseline's decisions (market_model.policy_rates): FOMC statement days
    for d, label in (("2022-03-16", "+25bp expected"), ("2022-05-04", "+50bp expected"),
                     ("2022-06-15", "+75bp, 1bp surprise"), ("2022-07-27", "+75bp expected"),
                     ("2022-09-21", "+75bp expected"), ("2022-11-02", "+75bp expected"),
                     ("2024-09-18", "-50bp, 9bp surprise")):
        i = np.searchsorted(days, day(d))
        print("  Nvidia on %s (%s): median %+.2f%%, median |r| %.2f%%"
              % (iso(days[i]), label, 100 * np.median(ret[:, i, nv]),
                 100 * np.median(np.abs(ret[:, i, nv]))))

    y25 = (days >= day("2025-01-01")) & (days <= day("2025-12-31"))
    r25 = ret[:, :, nv][:, y25]
    d25 = days[y25]
    worst_day = d25[np.argmin(r25, axis=1)]
    vals, counts = np.unique(worst_day, return_counts=True)
    order = np.argsort(-counts)
    print("Nvidia's largest fall of 2025, most common days: %s"
          % ", ".join("%s in %d" % (iso(vals[j]), counts[j]) for j in order[:5]))
    for d in ("2025-01-21", "2025-01-27"):
        i = np.searchsorted(days, day(d))
        share = np.mean(worst_day == days[i])
        print("  %s: largest fall in %.0f%% of replicates; median return %+.1f%%, 5-95%% [%+.1f, %+.1f]"
              % (d, 100 * share, 100 * np.median(ret[:, i, nv]), 100 * pct(ret[:, i, nv], 5),
                 100 * pct(ret[:, i, nv], 95)))
    if "release_market_moves/attention_lag_days" in f:
        lab = np.array(names(f, "release_market_moves/lab"))
        firm = np.array(names(f, "release_market_moves/firm"))
        date = f["release_market_moves/date"][:]
        lags = f["release_market_moves/attention_lag_days"][:]
        rep = f["release_market_moves/move_replicate"][:]
        sel = (lab == "deepseek") & (firm == "nvidia") & (date == day("2025-01-20"))
        lag = lags[sel]
        ret_r1 = f["release_market_moves/day_return"][:][sel]
        if len(lag):
            print("DeepSeek-R1 (2025-01-20): attention peaks after %.1f days (median; 5-95%% "
                  "[%.1f, %.1f]); Nvidia on the day it is priced %+.1f%% (median; 5-95%% "
                  "[%+.1f, %+.1f])"
                  % (np.median(lag), pct(lag, 5), pct(lag, 95), 100 * np.median(ret_r1),
                     100 * pct(ret_r1, 5), 100 * pct(ret_r1, 95)))
        # The Asian suppliers take R1 in when their exchanges reopen after the Lunar New Year.
        moves = f["release_market_moves/day_return"][:]
        for name, history in ASIAN_R1_DAYS:
            on = (lab == "deepseek") & (firm == name) & (date == day("2025-01-20"))
            if on.any():
                print("  %s on the day it prices R1: %+.1f%% (median; 5-95%% [%+.1f, %+.1f]); "
                      "history: %s" % (name, 100 * np.median(moves[on]), 100 * pct(moves[on], 5),
                                       100 * pct(moves[on], 95), history))
        r1_cross_section(lab, firm, date, moves)

        # Each release's day: Nasdaq's first trading day on or after its date plus its lag,
        # rounded as the model rounds it. Nvidia's largest fall of 2025 in each replicate: R1's
        # day, another release's, or a day without a release (noise, fundamentals).
        def priced(d, lg):
            i = np.searchsorted(days, d + int(np.floor(lg + 0.5)))
            while i < len(days) and not trading[i, nv]:
                i += 1
            return i

        nvr = firm == "nvidia"
        causes = {}
        r1_days = []
        for r in range(ret.shape[0]):
            on = {}
            r1 = None
            for k in np.where(nvr & (rep == r))[0]:
                i = priced(date[k], lags[k])
                on.setdefault(i, set()).add(lab[k])
                if lab[k] == "deepseek" and date[k] == day("2025-01-20"):
                    r1 = i
            w = np.where(y25)[0][np.argmin(r25[r])]
            if r1 is not None:
                r1_days.append(iso(days[r1]))
            cause = ("R1" if w == r1 else
                     "other release:" + "+".join(sorted(on[w])) if w in on else "no release")
            causes[cause] = causes.get(cause, 0) + 1
        vals, counts = np.unique(r1_days, return_counts=True)
        order = np.argsort(-counts)
        print("  R1 priced on: %s" % ", ".join("%s in %d" % (vals[j], counts[j]) for j in order[:6]))
        order = sorted(causes, key=lambda c: -causes[c])
        print("Nvidia's largest fall of 2025 (each replicate; R1 on the day it priced R1): %s"
              % ", ".join("%s %d" % (c, causes[c]) for c in order[:8]))
    print("Nvidia's largest one-day fall by year (median / 5th pct / worst over replicates) and "
          "days below -20 %% / -30 %% summed over %d replicates (history: worst day 2022-2025 "
          "-17.0 %% on 2025-01-27, none below -20 %%; Meta -26 %% on 2022-02-03, the largest fall "
          "of a US firm worth over $500B before it):" % ret.shape[0])
    years = np.array([int(iso(d)[:4]) for d in days])
    for y in range(years.min(), years.max() + 1):
        cols = (years == y) & (trading[:, nv] == 1)
        if not cols.any():
            continue
        ry = ret[:, :, nv][:, cols]
        low = ry.min(axis=1)
        print("  %d: %+.0f / %+.0f / %+.0f %%, days below -20 %%: %d, below -30 %%: %d"
              % (y, 100 * np.median(low), 100 * pct(low, 5), 100 * low.min(),
                 (ry < -0.2).sum(), (ry < -0.3).sum()))
    if a.check and not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
