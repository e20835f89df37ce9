#!/usr/bin/python3
"""Each firm's daily returns in a run against its own of 2015-2024 (issue 23, "daily returns
like real ones").

Usage: scripts/firm_returns.py RUN.h5 [--fit] [--check]

For every firm in docs/data/firm_daily_returns.csv (its daily returns from its first trading day
of 2015, or its listing, to 2024-12-31) prints, over the run's trading days of 2022-2025 (the
model's historical period; a firm's own trading days, from its listing), the medians over
replicates of the daily sd and the excess kurtosis, and the percent of all replicates' days that
move more than 5 % and 10 % either way, beside history's (its kurtosis outside the market-wide
crash of 2020-02-20..2020-04-30, which the model's market makes no counterpart of).

--fit prints, for each firm but Nvidia (fitted through the compute factor), the sd of the ln
move its quarterly reports bring (`earnings_day_volatility`) and its own noise
(`idiosyncratic_volatility_per_year`, 1/sqrt(year)) that bring its excess kurtosis and sd to
history's, given what the run shows with the values it was run with (docs/model.md §3.3.7
"Calibration of the baseline", *Every firm's own noise and earnings days*). A firm whose other
noise (factors, the model's news) already exceeds history's sd gets 0 and a note.

--check exits 1 unless every fitted firm's sd lies within 0.9x-1.1x of history's.
"""
import argparse
import csv
import math
import os
import sys

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
HISTORY = os.path.join(HERE, "..", "docs", "data", "firm_daily_returns.csv")
# Noise accrues per weekday in the baseline (market_model.noise_per_weekday): a weekday is
# 1 / (365.25 * 5 / 7) years of the noise's clock.
WEEKDAYS_PER_YEAR = 365.25 * 5 / 7
SD_BAND = (0.9, 1.1)
# Four quarterly reports a year over about 252 trading days.
REPORTS_PER_TRADING_DAY = 4 / 252


def names(f, key):
    return [x.decode() if isinstance(x, bytes) else str(x) for x in f[key][:]]


def day(iso):
    return np.datetime64(iso, "D").astype(np.int64)


def history():
    """docs/data/firm_daily_returns.csv by firm id (its comment lines left out)."""
    with open(HISTORY, newline="") as fh:
        lines = (line for line in fh if not line.startswith("#"))
        return {row["firm"]: row for row in csv.DictReader(lines)}


def moments(r):
    """Per replicate: sd, excess kurtosis, share above 5 % and 10 % (rows: replicates)."""
    sd = r.std(axis=1)
    kurt = ((r - r.mean(axis=1, keepdims=True)) ** 4).mean(axis=1) / sd ** 4 - 3
    return sd, kurt, (np.abs(r) > 0.05).mean(axis=1), (np.abs(r) > 0.10).mean(axis=1)


def run_parameters(f, firms):
    """The firms' own noise and report size the run was made with, by id (the firm axis's
    attributes)."""
    m = f["markets"]
    own = m["firm_idiosyncratic_volatility_per_year"][:]
    report = m["firm_earnings_day_volatility"][:]
    return {firm: {"idiosyncratic_volatility_per_year": float(own[k]),
                   "earnings_day_volatility": float(report[k])}
            for k, firm in enumerate(firms)}


def fit(spec, sd, kurt, hist_sd, hist_kurt, role):
    """The firm's own noise and the sd of its earnings-day moves that bring the run's median sd
    and excess kurtosis to history's. Daily variances and fourth cumulants of independent parts
    add: a report on a share p of days with a normal ln move of sd J adds p J^2 to the variance
    and 3 p (1 - p) J^4 to the fourth cumulant; the own noise, normal, adds variance only."""
    vol = spec["idiosyncratic_volatility_per_year"]
    jump = spec["earnings_day_volatility"]
    p = REPORTS_PER_TRADING_DAY
    rest_var = sd ** 2 - vol ** 2 / WEEKDAYS_PER_YEAR - p * jump ** 2
    rest_k4 = kurt * sd ** 4 - 3 * p * (1 - p) * jump ** 4
    if role == "own":
        need = (hist_kurt * hist_sd ** 4 - rest_k4) / (3 * p * (1 - p))
        jump = need ** 0.25 if need > 0 else 0.0
    else:
        jump = 0.0
    own_var = hist_sd ** 2 - rest_var - p * jump ** 2
    if own_var < 0:
        room = hist_sd ** 2 - rest_var
        jump = math.sqrt(room / p) if room > 0 else 0.0
        return 0.0, jump, "its other noise and reports fill history's sd: reports capped"
    return math.sqrt(own_var * WEEKDAYS_PER_YEAR), jump, ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run")
    ap.add_argument("--fit", action="store_true")
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    hist = history()
    f = h5py.File(a.run, "r")
    firms = names(f, "markets/firm")
    days = f["markets/time_trading_daily"][:]
    ret = f["markets/daily_return"]
    trading = f["markets/trading"][0, :, :]
    listed = f["markets/firm_listed"][:]
    specs = run_parameters(f, firms)
    span = (days >= day("2022-01-01")) & (days <= day("2025-12-31"))
    ok = True
    print("Daily returns, the run's 2022-2025 against history's 2015-2024 "
          "(docs/data/firm_daily_returns.csv):")
    print("sd and excess kurtosis: medians over the run's %d replicates (history's kurtosis "
          "outside the 2020-02-20..04-30 crash);" % ret.shape[0])
    print("days beyond 5 % and 10 %: percent of all trading days of all replicates.")
    print("%-20s %15s %17s %17s %17s" % ("firm", "sd % run/hist", "ex. kurt run/hist",
                                         ">5 % days run/hist", ">10 % run/hist"))
    fits = []
    for k, firm in enumerate(firms):
        if firm not in hist:
            continue
        h = hist[firm]
        mask = span & (trading[:, k] == 1) & (days > listed[k])
        r = ret[:, :, k][:, mask]
        sd, kurt, gt5, gt10 = moments(r)
        hs, hk = float(h["sd_pct"]) / 100, float(h["excess_kurtosis_outside_crash"])
        h5_, h10 = float(h["share_abs_gt5"]), float(h["share_abs_gt10"])
        msd = float(np.median(sd))
        inside = SD_BAND[0] * hs <= msd <= SD_BAND[1] * hs
        ok &= inside
        print("%-20s %6.2f / %5.2f%s %7.1f / %6.1f %8.2f / %6.2f %8.3f / %6.3f"
              % (firm, 100 * msd, 100 * hs, " " if inside else "!", np.median(kurt), hk,
                 100 * np.mean(gt5), 100 * h5_, 100 * np.mean(gt10), 100 * h10))
        if a.fit and h["fit"] != "factor":
            fits.append((firm,) + fit(specs[firm], msd, float(np.median(kurt)), hs, hk,
                                      h["fit"]))
    if a.fit:
        print("\nfitted: firm, idiosyncratic_volatility_per_year (1/sqrt(year)), "
              "earnings_day_volatility (ln)")
        for firm, vol, jump, note in fits:
            print("  %-20s %5.3f  %5.3f  %s" % (firm, vol, jump, note))
    print("every sd within %.2fx-%.2fx of history's: %s"
          % (SD_BAND[0], SD_BAND[1], "yes" if ok else "NO"))
    if a.check and not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
