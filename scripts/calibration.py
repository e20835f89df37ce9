#!/usr/bin/env python3
"""Recomputes the stylized facts of the calibration sheet from an airace run of the baseline.

    python3 scripts/calibration.py RUN.h5 [--markdown TABLE.md] [--check]

For each stylized fact with a tolerance in ../shared/calibration/facts.md §8 (SF1-SF21), it
measures the model's value in every replicate, and prints the median, the 5-95% band over
replicates and whether the fact holds. Three kinds of check:

- `band`: the median lies inside the tolerance and the 5-95% band overlaps it (the sheet's
  suggested pass test);
- `every`: the condition holds in every replicate (the sheet says "in every replicate");
- `share`: the condition holds in at least half of the replicates (a yes/no pattern such as
  "the lag narrows": the median replicate shows it, the sheet's median rule for a yes/no).

How each value is measured from the run file is written next to it below and in
docs/calibration.md. `--markdown` writes the table docs/calibration.md embeds; `--check`
exits 1 when any fact is outside its tolerance (the CTest `calibration_facts_hold` uses it).

The baseline's uncertain parameters are drawn per replicate unless the run was made with
`airace run --fixed-parameters`. On such a parameter ensemble, the checks listed in
MEDIANS_ONLY (with the reason, also in docs/calibration.md) are reported but do not fail
`--check`; they must hold at the medians. Any other check must hold on the ensemble too.
Exits 2, naming the file, when it is missing, damaged (its /meta no longer matches the SHA-256
stored with it) or not an airace run of a scenario with the baseline's labs, chips and firms.

Needs Debian's python3-h5py and python3-numpy; launched with a python3 that lacks them, it runs
itself again with /usr/bin/python3.
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
    sys.exit("calibration.py: needs python3-h5py and python3-numpy (bash scripts/setup.sh)")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot  # noqa: E402  (the check of /meta against its checksum is shared)

EPOCH = datetime.date(1970, 1, 1)
SHARE_NEEDED = 0.5

# Checks that hold at the parameters' medians but not on the parameter ensemble, keyed by fact
# and the start of the measure, with the reason (docs/calibration.md "Facts on the parameter
# ensemble" says the same and gives the figures).
MEDIANS_ONLY = {
    ("SF12", ""):
        "the size of the January 2025 repricing is set by how far DeepSeek-R1's efficiency "
        "surprises investors and how near the frontier R1 stands, that is by DeepSeek's step at "
        "V3 and its pace (rank correlations -0.47 and -0.29), the scarcity elasticity and the "
        "market's elasticities: across their ranges Nvidia's day is anything from -61% to +9%, "
        "and the historical -17% is one outcome among them",
}


def medians_only_reason(fact):
    for (name, prefix), reason in MEDIANS_ONLY.items():
        if fact.fact == name and fact.measure.startswith(prefix):
            return reason
    return None


class InputError(Exception):
    pass


def day(iso):
    """Days since 1970-01-01 of an ISO date, the run file's time unit."""
    return (datetime.date.fromisoformat(iso) - EPOCH).days


def years(days):
    return np.asarray(days, dtype=float) / 365.25


class Run:
    """The parts of a run file the facts need, with names turned into indices."""

    def __init__(self, path):
        self.path = path
        try:
            self.f = h5py.File(path, "r")
        except (OSError, ValueError) as err:
            raise InputError(f"{path}: cannot open as HDF5 ({err})")
        try:
            failure = plot.meta_checksum_failure(self.f["meta"])
        except (OSError, KeyError, ValueError, TypeError, RuntimeError) as err:
            raise InputError(f"{path}: cannot read /meta, the file is damaged or was not "
                             f"written by airace ({err})")
        if failure:
            raise InputError(f"{path}: the file is damaged: {failure}")
        try:
            self.monthly = self.f["indicators/time_monthly"][:]
            self.weekly = self.f["chips/time_weekly"][:]
            self.daily = self.f["markets/time_trading_daily"][:]
            self.parameter_ensemble = "uncertainty/values" in self.f
            self.countries = self.names("indicators/country")
            self.chips = self.names("chips/chip")
            self.designer = self.names("chips/designer")
            self.firms = self.names("markets/firm")
            self.labs = self.names("labs/lab")
            self.replicates = self.f["replicate"].shape[0]
        except KeyError as err:
            raise InputError(f"{path}: not a run of the baseline's model: missing {err}")

    def names(self, key):
        return [x.decode() if isinstance(x, bytes) else str(x) for x in self.f[key][:]]

    def index(self, names, name, what):
        if name not in names:
            raise InputError(f"{self.path}: the run has no {what} '{name}' (the facts need the "
                             f"baseline's {what}s)")
        return names.index(name)

    def series(self, key):
        if key not in self.f:
            raise InputError(f"{self.path}: missing dataset /{key}")
        return self.f[key][:]

    def month(self, iso):
        """Index of the monthly tick on or before a date."""
        i = np.searchsorted(self.monthly, day(iso), side="right") - 1
        if i < 0:
            raise InputError(f"{self.path}: the run starts after {iso}")
        return int(i)

    def months_between(self, start, end):
        return (self.monthly >= day(start)) & (self.monthly <= day(end))

    def weeks_between(self, start, end):
        """Weekly periods ending in [start, end] (a weekly value covers the week before it)."""
        return (self.weekly > day(start)) & (self.weekly <= day(end))



# SF7 on the data-centre part of Nvidia's China revenue ($B), derived from the fact's own
# sources (docs/calibration.md "How each value is measured", SF7). Reported data-centre revenue
# by quarter of FY2024 (10-Q/10-K; results of 2023-05-24, 08-23, 11-21, 2024-02-21) and FY2025.
DC_REVENUE_FY2024 = (4.28, 10.32, 14.51, 18.40)
DC_REVENUE_FY2025 = 115.2
TOTAL_REVENUE_FY2024, TOTAL_REVENUE_FY2025 = 60.9, 130.5
# China and the other destinations of the 2023 rule: 20-25 % of data-centre revenue through
# Q3 (CFO commentary, 2023-11-21), a mid-single-digit share in Q4 (call of 2024-02-21).
CHINA_DC_SHARE_Q1_Q3, CHINA_DC_SHARE_Q4 = 0.225, 0.05
DC_CHINA_FY2024 = (CHINA_DC_SHARE_Q1_Q3 * sum(DC_REVENUE_FY2024[:3])
                   + CHINA_DC_SHARE_Q4 * DC_REVENUE_FY2024[3])
# All revenue billed to China (10-K, by customer location): $10.3B in FY2024, $17.1B in FY2025.
# The rest of FY2024's, China's gaming, visualisation and automotive purchases, is taken as the
# same share of Nvidia's non-data-centre revenue in FY2025 (assumption; no source splits it).
CHINA_TOTAL_FY2024, CHINA_TOTAL_FY2025 = 10.3, 17.1
NON_DC_CHINA_SHARE = (CHINA_TOTAL_FY2024 - DC_CHINA_FY2024) / \
    (TOTAL_REVENUE_FY2024 - sum(DC_REVENUE_FY2024))
DC_CHINA_FY2025 = CHINA_TOTAL_FY2025 - NON_DC_CHINA_SHARE * (TOTAL_REVENUE_FY2025 -
                                                             DC_REVENUE_FY2025)

class Fact:
    def __init__(self, fact, statement, measure, target, kind, values, lo=None, hi=None,
                 unit="", fmt="{:.2f}"):
        self.fact, self.statement, self.measure, self.target = fact, statement, measure, target
        self.kind, self.unit, self.fmt = kind, unit, fmt
        self.values = np.asarray(values, dtype=float)
        self.lo, self.hi = lo, hi

    def finite(self):
        return self.values[np.isfinite(self.values)]

    def holds(self):
        v = self.values
        if self.kind == "share":
            return np.mean(v > 0.5) >= SHARE_NEEDED
        if self.kind == "every":
            return bool(np.all(v > 0.5))
        ok = self.finite()
        if len(ok) < 0.9 * len(v):
            return False
        med = np.median(ok)
        p5, p95 = np.percentile(ok, [5, 95])
        lo = -np.inf if self.lo is None else self.lo
        hi = np.inf if self.hi is None else self.hi
        return lo <= med <= hi and p95 >= lo and p5 <= hi

    def model_text(self):
        if self.kind in ("share", "every"):
            return f"{100 * np.mean(self.values > 0.5):.0f}% of replicates"
        ok = self.finite()
        if len(ok) == 0:
            return "n/a"
        med = np.median(ok)
        p5, p95 = np.percentile(ok, [5, 95])
        f = self.fmt
        missing = "" if len(ok) == len(self.values) else f" ({len(self.values) - len(ok)} n/a)"
        return f"{f.format(med)} [{f.format(p5)} .. {f.format(p95)}]{missing}"

    def tolerance_text(self):
        if self.kind == "share":
            return f"in ≥ {SHARE_NEEDED:.0%} of replicates"
        if self.kind == "every":
            return "in every replicate"
        f = self.fmt
        if self.lo is None:
            return f"≤ {f.format(self.hi)}"
        if self.hi is None:
            return f"≥ {f.format(self.lo)}"
        return f"{f.format(self.lo)} .. {f.format(self.hi)}"


# ---------------------------------------------------------------------------------------------
# Measurements. Each returns one value per replicate.

def frontier_run(run, country):
    """[replicate, month] largest training run (FLOP) released by the country's labs so far."""
    rel = run.f["releases"]
    rep = rel["release_replicate"][:]
    date = rel["date"][:]
    flop = rel["training_flop"][:]
    where = np.array([c == country for c in run.names("releases/country")])
    out = np.full((run.replicates, len(run.monthly)), np.nan)
    for r in range(run.replicates):
        sel = where & (rep == r)
        for t, tick in enumerate(run.monthly):
            done = sel & (date <= tick)
            if done.any():
                out[r, t] = flop[done].max()
    return out


def fitted_growth(run, series, start, end):
    """Growth per year of a [replicate, month] series fitted log-linearly over [start, end]."""
    months = run.months_between(start, end)
    t = years(run.monthly[months])
    out = []
    for r in range(series.shape[0]):
        y = np.log10(series[r, months])
        ok = np.isfinite(y)
        if ok.sum() < 6:
            out.append(np.nan)
            continue
        slope = np.polyfit(t[ok], y[ok], 1)[0]
        out.append(10 ** slope)
    return np.array(out)


def year_mean(run, series, year):
    """Mean of a state (a value on each record's date) over the records dated in a year."""
    return np.nanmean(series[:, run.months_between(f"{year}-01-01", f"{year}-12-31")], axis=1)


def flow_year_mean(run, series, year):
    """Mean of a per-period flow over a calendar year.

    A flow recorded on date d (capex_usd_per_year, blocked_usd_per_year) is the mean over the
    period since the previous record, (previous, d] (docs/model.md §"Indicators"): the year's
    own records are those dated from its second month's first day to the next year's first
    day, 2024-02-01..2025-01-01 for 2024 (each monthly period weighs the same).
    """
    own = (run.monthly > day(f"{year}-01-01")) & (run.monthly <= day(f"{year + 1}-01-01"))
    if own.sum() != 12:
        raise InputError(f"{run.path}: the run does not record all of {year} "
                         f"({own.sum()} monthly periods of 12)")
    return np.nanmean(series[:, own], axis=1)


def longest_run(mask):
    best = cur = 0
    for m in mask:
        cur = cur + 1 if m else 0
        best = max(best, cur)
    return best


def flagships(run, country, start, end):
    """Per replicate (open flagships, all flagships): releases that raise the country's best."""
    rel = run.f["releases"]
    rep = rel["release_replicate"][:]
    date = rel["date"][:]
    cap = rel["capability"][:]
    opn = rel["open"][:]
    ctry = np.array([c == country for c in run.names("releases/country")])
    opens, totals = np.zeros(run.replicates), np.zeros(run.replicates)
    for r in range(run.replicates):
        idx = np.where(ctry & (rep == r))[0]
        idx = idx[np.argsort(date[idx], kind="stable")]
        best = -np.inf
        for i in idx:
            if cap[i] > best:
                best = cap[i]
                if day(start) <= date[i] <= day(end):
                    totals[r] += 1
                    opens[r] += opn[i]
    return opens, totals


def lag_months(run, us_best, r, capability, when):
    """Months between the first month the US best reached `capability` and `when`."""
    t = np.searchsorted(run.monthly, when, side="right") - 1
    reached = np.where(us_best[r, :t + 1] >= capability)[0]
    if len(reached) == 0:
        return -1.0  # ahead of the US
    return (when - run.monthly[reached[0]]) / 30.44


def efficient_challenger(run):
    """1 where a Chinese release in 2024-10..2025-04 used <= 0.2x the US frontier run and
    trailed the US best by <= 6 months."""
    rel = run.f["releases"]
    rep = rel["release_replicate"][:]
    date = rel["date"][:]
    cap = rel["capability"][:]
    flop = rel["training_flop"][:]
    cn = np.array([c == "CN" for c in run.names("releases/country")])
    us_run = frontier_run(run, "US")
    us_best = run.series("indicators/best_capability")[:, :, run.index(run.countries, "US", "country")]
    out = np.zeros(run.replicates)
    ratio = np.full(run.replicates, np.nan)
    for r in range(run.replicates):
        idx = np.where(cn & (rep == r) & (date >= day("2024-10-01")) & (date <= day("2025-04-30")))[0]
        for i in idx:
            t = np.searchsorted(run.monthly, date[i], side="right") - 1
            share = flop[i] / us_run[r, t]
            lag = lag_months(run, us_best, r, cap[i], date[i])
            if share <= 0.2 and lag <= 6:
                out[r] = 1
            if np.isnan(ratio[r]) or lag <= 6 and share < ratio[r]:
                ratio[r] = share
    return out, ratio


def chip_mask(run, designer):
    return np.array([d == designer for d in run.designer])


def spend(run, country, start, end, chips=None, key="chips/sales"):
    """[replicate] USD spent on chips sold to a country in (start, end]."""
    c = run.index(run.countries, country, "country")
    weeks = run.weeks_between(start, end)
    units = run.f[key][:, weeks, :, c]
    price = run.f["chips/price_usd"][:, weeks, :]
    usd = units * price
    if chips is not None:
        usd = usd[:, :, chips]
    return usd.sum(axis=(1, 2))


def units(run, country, start, end, chips=None, key="chips/sales"):
    c = run.index(run.countries, country, "country")
    weeks = run.weeks_between(start, end)
    u = run.f[key][:, weeks, :, c]
    if chips is not None:
        u = u[:, :, chips]
    return u.sum(axis=(1, 2))


def world_spend(run, start, end, chips):
    weeks = run.weeks_between(start, end)
    usd = run.f["chips/sales"][:, weeks, :, :] * run.f["chips/price_usd"][:, weeks, :][..., None]
    return usd[:, :, chips, :].sum(axis=(1, 2, 3))


def controlled_chips(run, effective):
    """Chips that could be sold to China (legal share > 0) before `effective` and less after."""
    cn = run.index(run.countries, "CN", "country")
    legal = run.f["chips/legal_share"][0, :, :, cn]
    w = np.searchsorted(run.weekly, day(effective), side="right")
    before, after = legal[w - 2], legal[min(w + 1, len(run.weekly) - 1)]
    return (before > 0) & (after < before)


def stockpiling(run, effective):
    """Orders of soon-controlled chips placed by China in the quarter before `effective`, over
    the mean of the four quarters before that. Orders (`/chips/orders`: chips ordered legally,
    delivered or not), not deliveries: SF10's sources report orders placed (the FT's $5B of A800
    orders, ~1M H20 ordered in 2025-Q1), and an order queued behind ordinary ones may never be
    delivered (docs/calibration.md, "How each value is measured")."""
    chips = controlled_chips(run, effective)
    if not chips.any():
        raise InputError(f"{run.path}: no chip becomes controlled for China on {effective}")
    if "chips/orders" not in run.f:
        raise InputError(f"{run.path}: missing dataset /chips/orders (a run written before "
                         "orders were recorded)")
    end = datetime.date.fromisoformat(effective)
    q = datetime.timedelta(days=91)
    last = units(run, "CN", (end - q).isoformat(), end.isoformat(), chips, key="chips/orders")
    prior = units(run, "CN", (end - 5 * q).isoformat(), (end - q).isoformat(), chips,
                  key="chips/orders") / 4
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(prior > 0, last / prior, np.inf)


def cap_at(run, firm, iso):
    f = run.index(run.firms, firm, "firm")
    i = np.searchsorted(run.daily, day(iso), side="right") - 1
    return run.f["markets/market_cap_usd"][:, i, f]


def shock(run):
    """Nvidia's one-day return and dollar change, and the index return, on the day DeepSeek-R1
    is priced: Nasdaq's first trading day on or after its release (2025-01-20, a US holiday)
    plus the days its attention takes to peak (docs/model.md §3.3.7 "Attention"), in each
    replicate; the first trading day after the release where the run has no lag."""
    moves = run.f["release_market_moves"]
    lab = np.array(run.names("release_market_moves/lab"))
    firm = np.array(run.names("release_market_moves/firm"))
    rep = moves["move_replicate"][:]
    date = moves["date"][:]
    ret = moves["day_return"][:]
    lags = moves["attention_lag_days"][:] if "attention_lag_days" in moves else np.zeros(len(ret))
    sel = (lab == "deepseek") & (firm == "nvidia") & (date == day("2025-01-20"))
    f = run.index(run.firms, "nvidia", "firm")
    trading = run.f["markets/trading"][0, :, f]
    cap = run.f["markets/market_cap_usd"]
    index_return = run.f["markets/index_return"]
    nvda = np.full(run.replicates, np.nan)
    before = np.full(run.replicates, np.nan)
    index = np.full(run.replicates, np.nan)
    for r in range(run.replicates):
        hit = np.where(sel & (rep == r))[0]
        lag = lags[hit[0]] if len(hit) else 0.0
        # held until its attention peaks (rounded to a day), priced on the next trading day
        i = np.searchsorted(run.daily, day("2025-01-20") + int(np.floor(lag + 0.5)))
        while not trading[i]:
            i += 1
        if len(hit):
            nvda[r] = ret[hit[0]]
        before[r] = cap[r, i - 1, f]
        index[r] = index_return[r, i]
    return nvda, nvda * before, index


def shock_on(run, iso):
    """Nvidia's one-day return and dollar change, and the index return, on a given trading day
    in every replicate: the real shock day, 2025-01-27, beside the model's own (`shock`)."""
    f = run.index(run.firms, "nvidia", "firm")
    i = np.searchsorted(run.daily, day(iso))
    ret = run.f["markets/daily_return"][:, i, f]
    before = run.f["markets/market_cap_usd"][:, i - 1, f]
    return ret, ret * before, run.f["markets/index_return"][:, i]


def references(run):
    """Readings shown beside the checks but not checks: SF12 on the real shock day, 2025-01-27
    (the model prices DeepSeek-R1 on the day its attention peaks, read by the SF12 checks)."""
    nvda, usd, index = shock_on(run, "2025-01-27")
    return [
        Fact("SF12", "on the real shock day", "Nvidia's return on 2025-01-27 (the day markets "
             "moved; not a check)", "−17%", "band", nvda * 100, -22, -12, "%", "{:.1f}"),
        Fact("SF12", "", "Nvidia's change in capitalisation on 2025-01-27 (not a check)",
             "−$589B", "band", usd / 1e9, -700, -400, "$B", "{:.0f}"),
        Fact("SF12", "", "the index on 2025-01-27 (not a check)", "Nasdaq-100 −3%", "band",
             index * 100, -4.5, -2.0, "%", "{:.1f}"),
    ]


def fixed_capability_price_fall(run):
    """Per year fall of the cheapest US price for a model at least as capable as the best US
    model of 2023-01, fitted over the months from when such a model is offered to 2025-12."""
    if "adoption/option_capability" not in run.f:
        raise InputError(f"{run.path}: missing /adoption/option_capability")
    us = run.index(run.names("adoption/country"), "US", "country")
    price = run.f["adoption/price_usd_per_mtoken"][:, :, us, :]
    cap = run.f["adoption/option_capability"][:]
    best = run.series("indicators/best_capability")[:, run.month("2023-01-01"),
                                                      run.index(run.countries, "US", "country")]
    months = run.months_between("2023-01-01", "2025-12-31")
    t = years(run.monthly[months])
    out = []
    for r in range(run.replicates):
        p = np.where(cap[r][:, 1:] >= best[r], price[r][:, 1:], np.nan)[months]
        cheapest = np.nanmin(np.where(np.isfinite(p), p, np.inf), axis=1)
        ok = np.isfinite(cheapest)
        if ok.sum() < 6:
            out.append(np.nan)
            continue
        out.append(10 ** -np.polyfit(t[ok], np.log10(cheapest[ok]), 1)[0])
    return np.array(out)


# ---------------------------------------------------------------------------------------------

def measure(run):
    facts = []
    add = facts.append
    us = run.index(run.countries, "US", "country")
    cn = run.index(run.countries, "CN", "country")

    us_run, cn_run = frontier_run(run, "US"), frontier_run(run, "CN")
    us_growth = fitted_growth(run, us_run, "2022-01-01", "2025-12-31")
    cn_growth = fitted_growth(run, cn_run, "2022-01-01", "2025-12-31")
    add(Fact("SF1", "US frontier training compute grows fast",
             "largest US training run released so far, log-linear fit 2022-01..2025-12",
             "4-5×/yr", "band", us_growth, 3.0, 7.0, "×/yr"))
    add(Fact("SF2", "Chinese frontier compute grows slower than the US's",
             "largest Chinese training run released so far, fit as SF1",
             "~3×/yr", "band", cn_growth, 2.0, 4.5, "×/yr"))
    add(Fact("SF2", "", "China's fitted growth below the US's in the same replicate",
             "China < US", "share", cn_growth < us_growth))
    m = run.month("2024-12-01")
    add(Fact("SF2", "", "China/US largest run released by 2024-12",
             "≈ 0.5", "band", cn_run[:, m] / us_run[:, m], 0.1, 1.0))

    gap = run.series("indicators/us_cn_gap_months")
    span = run.months_between("2023-01-01", "2025-12-31")
    add(Fact("SF3", "The best Chinese model's lag is small and shrinking; the US holds the frontier",
             "mean of `us_cn_gap_months` 2023-01..2025-12", "mean 7 months", "band",
             np.nanmean(gap[:, span], axis=1), 4, 12, "months", "{:.1f}"))
    add(Fact("SF3", "", "mean lag in 2025 below the mean lag in 2023", "lag(2025) < lag(2023)",
             "share", year_mean(run, gap, 2025) < year_mean(run, gap, 2023)))
    whole = run.months_between("2022-01-01", "2025-12-31")
    lead = np.array([longest_run(gap[r, whole] < 0) for r in range(run.replicates)])
    add(Fact("SF3", "", "China ahead (gap < 0) for at most one month in a row, 2022-2025",
             "never > 1 month", "share", lead <= 1))

    ocg = run.series("indicators/open_closed_gap_months")
    o23, o24, o25 = (year_mean(run, ocg, y) for y in (2023, 2024, 2025))
    add(Fact("SF4", "The best open-weight model trails the closed frontier, less and less",
             "mean of `open_closed_gap_months` over 2024", "~12 months", "band", o24, 6, 18,
             "months", "{:.1f}"))
    add(Fact("SF4", "", "mean of `open_closed_gap_months` over 2025", "~4 months", "band", o25,
             2, 9, "months", "{:.1f}"))
    add(Fact("SF4", "", "yearly means 2023 → 2024 → 2025 never rise by more than 2 months",
             "monotone narrowing (±2 months)", "share", (o24 <= o23 + 2) & (o25 <= o24 + 2)))

    cn_open, cn_all = flagships(run, "CN", "2024-01-01", "2025-12-31")
    us_open, us_all = flagships(run, "US", "2024-01-01", "2025-12-31")
    with np.errstate(invalid="ignore", divide="ignore"):
        add(Fact("SF5", "Release strategy splits by country",
                 "open share of Chinese flagships 2024-25 (releases that raise China's best)",
                 "DeepSeek, Qwen open", "band", cn_open / cn_all, 2 / 3, None))
        add(Fact("SF5", "", "closed share of US flagships 2024-25 (releases that raise the US best)",
                 "US frontier closed", "band", 1 - us_open / us_all, 2 / 3, None))

    hit, ratio = efficient_challenger(run)
    add(Fact("SF6", "A compute-constrained efficient challenger reaches near the frontier",
             "a Chinese release 2024-10..2025-04 with ≤ 0.2× the US frontier run and ≤ 6 months "
             "behind the US best", "DeepSeek-V3/R1", "share", hit))

    nvidia = chip_mask(run, "Nvidia")
    h20 = np.array([c == "H20" for c in run.chips])
    cn24 = spend(run, "CN", "2023-01-29", "2024-01-28", nvidia)
    cn25 = spend(run, "CN", "2024-01-28", "2025-01-26", nvidia)
    # The model sells data-centre accelerators only, so SF7's levels are the data-centre part
    # of the fact (docs/calibration.md "How each value is measured", SF7), levels ±35 %.
    add(Fact("SF7", "Controls bend but do not stop Nvidia's China business until 2025",
             "Nvidia data-centre sales to China, FY2024 (2023-01-30..2024-01-28)",
             f"${DC_CHINA_FY2024:.1f}B", "band", cn24 / 1e9, DC_CHINA_FY2024 * 0.65,
             DC_CHINA_FY2024 * 1.35, "$B", "{:.1f}"))
    add(Fact("SF7", "", "Nvidia data-centre sales to China, FY2025 (2024-01-29..2025-01-26)",
             f"~${DC_CHINA_FY2025:.1f}B", "band", cn25 / 1e9, DC_CHINA_FY2025 * 0.65,
             DC_CHINA_FY2025 * 1.35, "$B", "{:.1f}"))
    add(Fact("SF7", "", "China's sales up from FY2024 to FY2025", "up", "share", cn25 > cn24))
    share23 = spend(run, "CN", "2022-01-30", "2023-01-29", nvidia) / \
        world_spend(run, "2022-01-30", "2023-01-29", nvidia)
    share25 = cn25 / world_spend(run, "2024-01-28", "2025-01-26", nvidia)
    add(Fact("SF7", "", "China's share of Nvidia's sales lower in FY2025 than in FY2023",
             "20-25% → 13%", "share", share25 < share23))
    h20_before = spend(run, "CN", "2025-01-07", "2025-04-08", h20)
    h20_after = spend(run, "CN", "2025-04-27", "2025-07-27", h20)
    add(Fact("SF7", "", "H20 sales to China in Q2 FY2026 (2025-04-28..07-27) ≤ 10% of the quarter "
             "before the 2025-04-09 letter", "≈ 0", "share", h20_after <= 0.1 * h20_before))

    huawei = chip_mask(run, "Huawei")
    nv24 = units(run, "CN", "2024-01-01", "2024-12-31", nvidia)
    hw24 = units(run, "CN", "2024-01-01", "2024-12-31", huawei)
    add(Fact("SF8", "Domestic chips supply a minority of Chinese compute in 2024, ~40% by 2025",
             "Nvidia : Huawei chips sold to China in 2024", "> 1M H20 vs 0.4-0.55M Ascend", "band",
             nv24 / hw24, 1.3, 3.0, "ratio"))
    all25 = units(run, "CN", "2025-01-01", "2025-12-31") + \
        units(run, "CN", "2025-01-01", "2025-12-31", key="chips/smuggled")
    hw25 = units(run, "CN", "2025-01-01", "2025-12-31", huawei)
    add(Fact("SF8", "", "domestic share of accelerators China bought in 2025 (units)", "~40%",
             "band", hw25 / all25, 0.25, 0.55, "fraction"))
    add(Fact("SF8", "", "Ascend chips sold to China in 2025", "0.2-0.8M", "band", hw25 / 1e6,
             0.2, 0.9, "million", "{:.2f}"))

    smug24 = units(run, "CN", "2024-01-01", "2024-12-31", key="chips/smuggled")
    origin = run.series("indicators/compute_by_origin_h100e")
    m = run.month("2024-12-01")
    smug_share = origin[:, m, cn, 2] / origin[:, m, cn, :].sum(axis=1)
    add(Fact("SF9", "Smuggling is material but not decisive", "chips smuggled into China in 2024",
             "~140k (10k-500k)", "band", smug24 / 1e3, 10, 500, "thousand", "{:.0f}"))
    add(Fact("SF9", "", "smuggled share of China's installed compute (H100e), 2024-12", "~10%",
             "band", smug_share, 0.03, 0.30, "fraction"))

    for rule, eff in (("bis_2023_10 (A800, H800)", "2023-10-23"),
                      ("h20_licence_2025_04 (H20)", "2025-04-09")):
        add(Fact("SF10", "Stockpiling spikes precede telegraphed controls" if rule[0] == "b" else "",
                 f"China's orders of the chips {rule} controls, quarter before {eff} over the "
                 "mean of the 4 quarters before", "A800 $5B; ~1M H20", "band",
                 stockpiling(run, eff), 2.0, None, "ratio"))

    compute = run.series("indicators/compute_h100e")
    m = run.month("2025-06-01")
    total = compute[:, m, :].sum(axis=1)
    add(Fact("SF11", "The US dominates installed compute", "US share of installed H100e, 2025-06",
             "~75%", "band", compute[:, m, us] / total, 0.65, 0.82, "fraction"))
    add(Fact("SF11", "", "China's share of installed H100e, 2025-06", "~15%", "band",
             compute[:, m, cn] / total, 0.08, 0.20, "fraction"))
    cn_share = compute[:, :, cn] / compute.sum(axis=2)
    add(Fact("SF11", "", "China's mean share lower in 2025 than in 2022", "falling", "share",
             year_mean(run, cn_share, 2025) < year_mean(run, cn_share, 2022)))

    nvda, usd, index = shock(run)
    add(Fact("SF12", "The DeepSeek shock is large and endogenous to an efficient open release",
             "Nvidia's return on the day investors price DeepSeek-R1 (released on a US holiday, "
             "2025-01-20; priced when its attention peaks)", "−17%", "band",
             nvda * 100, -22, -12, "%", "{:.1f}"))
    add(Fact("SF12", "", "Nvidia's change in capitalisation that day", "−$589B", "band",
             usd / 1e9, -700, -400, "$B", "{:.0f}"))
    add(Fact("SF12", "", "the index of US listed firms that day", "Nasdaq-100 −3%", "band",
             index * 100, -4.5, -2.0, "%", "{:.1f}"))

    levels = (("2022-12-30", 0.359), ("2023-12-29", 1.223), ("2024-12-31", 3.355),
              ("2025-07-10", 4.0), ("2025-10-29", 5.05))
    caps = {}
    for i, (iso, real) in enumerate(levels):
        caps[iso] = cap_at(run, "nvidia", iso) / 1e12
        add(Fact("SF15", "Nvidia's valuation path" if i == 0 else "",
                 f"Nvidia capitalisation on {iso}", f"${real}T", "band", caps[iso],
                 real * 0.65, real * 1.35, "$T"))
    add(Fact("SF15", "", "year-end ratio 2023/2022", "3.4×", "band",
             caps["2023-12-29"] / caps["2022-12-30"], 2, 5, "ratio"))
    add(Fact("SF15", "", "year-end ratio 2024/2023", "2.7×", "band",
             caps["2024-12-31"] / caps["2023-12-29"], 2, 4, "ratio"))

    capex_series = run.series("indicators/capex_usd_per_year")
    capex = {y: flow_year_mean(run, capex_series[:, :, us], y) for y in (2023, 2024, 2025)}
    add(Fact("SF16", "An efficiency shock does not cut US capex (Jevons)",
             "`capex_usd_per_year` of the US (chips, data centres, other capex), calendar 2024 "
             "over 2023",
             "$251B / $150B", "band", capex[2024] / capex[2023], 1.4, 1.9, "ratio"))
    add(Fact("SF16", "", "the same, 2025 over 2024", "$416B / $251B", "band",
             capex[2025] / capex[2024], 1.4, 1.9, "ratio"))
    add(Fact("SF16", "", "US capex in 2025 ≥ in 2024", "yes", "every",
             capex[2025] >= capex[2024]))
    add(Fact("SF17", "Investment asymmetry US ≫ China", "US over Chinese `capex_usd_per_year`, calendar 2024",
             "12-15×", "band", capex[2024] / flow_year_mean(run, capex_series[:, :, cn], 2024), 8, 20,
             "ratio", "{:.1f}"))

    add(Fact("SF20", "Inference gets cheap fast",
             "fall per year of the cheapest US price for a model at least as good as the best US "
             "model of 2023-01, fitted 2023-2025", "10-50×/yr", "band",
             fixed_capability_price_fall(run), 5, 100, "×/yr", "{:.1f}"))

    sector = run.series("adoption/sector_share")  # [r, t, sector, option]
    names = run.names("adoption/sector")
    orgs = [i for i, s in enumerate(names) if s != "consumer"]
    using = 1 - sector[:, :, orgs, 0].mean(axis=2)
    for i, (year, target) in enumerate(((2023, 0.55), (2024, 0.78), (2025, 0.88))):
        add(Fact("SF21", "Enterprise diffusion" if i == 0 else "",
                 f"share of organisations using a model, {year}-12 (mean of the "
                 "non-consumer sectors)", f"{target:.0%}", "band",
                 using[:, run.month(f"{year}-12-01")], target - 0.08, target + 0.08, "fraction"))
    return facts


def markdown(facts, path, ensemble=False, refs=()):
    lines = ["| Fact | Measured in the run | Target | Tolerance | Model: median [5–95%] | Holds |",
             "|---|---|---|---|---|---|"]
    ref_rows = []
    for f in refs:
        unit = f" {f.unit}" if f.unit and f.kind == "band" else ""
        ref_rows.append(f"| {f.fact}{' ' + f.statement if f.statement else ''} | {f.measure} | "
                        f"{f.target} | {f.tolerance_text()}{unit} | {f.model_text()}{unit} | "
                        f"not a check ({'would hold' if f.holds() else 'would not hold'}) |")
    # each reference row after the last check of its fact
    after = {r.fact: max((i for i, f in enumerate(facts) if f.fact == r.fact), default=-1)
             for r in refs}
    for i, f in enumerate(facts):
        unit = f" {f.unit}" if f.unit and f.kind == "band" else ""
        tol = f.tolerance_text() + (unit if f.kind == "band" else "")
        lines.append(f"| {f.fact}{' ' + f.statement if f.statement else ''} | {f.measure} | "
                     f"{f.target} | {tol} | {f.model_text()}{unit} | "
                     f"{'yes' if f.holds() else 'at the medians only' if ensemble and medians_only_reason(f) else '**no**'} |")
        lines += [row for r, row in zip(refs, ref_rows) if after[r.fact] == i]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run", help="run file of scenarios/baseline.yaml (100 replicates)")
    parser.add_argument("--markdown", metavar="FILE", help="write the table as Markdown")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when a fact is outside its tolerance")
    args = parser.parse_args()
    try:
        run = Run(args.run)
        facts = measure(run)
        refs = references(run)
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    ensemble = run.parameter_ensemble
    failed = [f for f in facts if not f.holds()]
    excused = [f for f in failed if ensemble and medians_only_reason(f)]
    for f in facts:
        mark = "ok  " if f.holds() else "med." if f in excused else "FAIL"
        print(f"{mark} {f.fact:5} {f.measure[:70]:70}  {f.model_text():32} "
              f"tolerance {f.tolerance_text()} {f.unit if f.kind == 'band' else ''}")
    print(f"\n{'parameter ensemble (uncertain parameters drawn per replicate)' if ensemble else 'parameters fixed (noise only)'}: "
          f"{len(facts) - len(failed)} of {len(facts)} checks hold; "
          f"{len(set(f.fact for f in facts)) - len(set(f.fact for f in failed))} of "
          f"{len(set(f.fact for f in facts))} stylized facts hold entirely")
    for f in refs:
        print(f"ref. {f.fact:5} {f.measure[:70]:70}  {f.model_text():32} "
              f"tolerance {f.tolerance_text()} {f.unit}: "
              f"{'would hold' if f.holds() else 'would not hold'}")
    if excused:
        print(f"{len(excused)} checks marked med. hold only at the parameters' medians "
              "(MEDIANS_ONLY, docs/calibration.md); run with --fixed-parameters to check them")
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as out:
            out.write(markdown(facts, args.markdown, ensemble, refs))
    return 1 if args.check and len(failed) > len(excused) else 0


if __name__ == "__main__":
    sys.exit(main())
