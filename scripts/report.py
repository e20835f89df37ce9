#!/usr/bin/env python3
"""Writes a self-contained HTML report of an airace run file, or of a base run and a what-if.

    python3 scripts/report.py RUN.h5 [WHATIF.h5] [-o REPORT.html] [--pdf [REPORT.pdf]]

The report is one HTML file with its charts embedded as PNG and its style inline, so it opens
in a browser from disk, with no server and nothing fetched. Its first screen states the
findings in sentences, each a median with the range of 90% of the replicates: the US-China
gap, China's compute and its domestic share, Nvidia's largest one-day fall (size, day, the
release before it) and, given a what-if, its effects. Then one chart per headline indicator
(every series of /indicators: median and 5-95% band over replicates, a line per entity, small
multiples for series over two entity axes) in human units (millions of H100e, $ trillion,
percent) with plain-number ticks, the frontier model releases (/releases) marked on the
capability and gap charts; adoption and markets (the adoption indicators, the market index and
Nvidia's capitalisation, release days marked) when the run has them; "What the model assumes",
read from docs/model.md; what was run (/meta); and the resolved scenario text. Given a second
file, it adds "What-if differences": for each headline indicator both medians on one chart and
the median difference what-if minus base with a 90% band over replicates, paired by replicate
when both files have the same seed and number of replicates, else over all pairs of replicates.
Each chart carries, in data-axes, what matplotlib drew on its axes (tick labels, offset texts,
labels, boxes), for tests/python/check_report.py.

--pdf prints the report to PDF with headless Chromium (Debian's chromium), by default beside
the HTML file. Default output: <RUN-stem>_report.html, or <RUN-stem>_vs_<WHATIF-stem>.html,
next to RUN. Exits 2, naming the file, when a file is missing, unreadable, or not an airace run
file, and, writing nothing, when --pdf is given without Chromium.

Needs Debian's python3-h5py, python3-numpy and python3-matplotlib (`bash scripts/setup.sh`);
launched with a python3 that lacks them, it runs itself again with /usr/bin/python3.
"""

import argparse
import base64
import copy
import datetime
import html
import io
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot  # noqa: E402  (the chart helpers and the interpreter check are shared)

PROGRAM = "report.py"

# Indicators that go to "Adoption and markets" instead of the headline section, when present.
ADOPTION_INDICATORS = ("adoption_share", "open_usage_share", "cn_open_share_abroad",
                       "inference_demand_h100e")
# Charts on which model releases are marked: capability and the gaps measured from it.
RELEASE_MARKED = ("best_capability", "best_capability_by_openness", "us_cn_gap_months",
                  "open_closed_gap_months")
COUNTRY_COLOURS = {"US": "#1f4e9c", "CN": "#c0282d"}
OTHER_COLOUR = "0.45"
# Unpaired differences use every pair of replicates up to this many, else a fixed sample.
MAX_PAIRS = 4000
CHART_DPI = 80


class RunFileError(Exception):
    """A file that cannot be reported on; the message starts with the file's name."""


# ---------------------------------------------------------------------------------------------
# Reading a run file


def scenario_fields(yaml_text):
    """name, description, start and end of the `scenario:` section of the resolved scenario.

    The program writes that section first, one `key: value` per line; this reads only those
    plain, quoted or block scalars, so the report needs no YAML library."""
    fields, lines = {}, yaml_text.splitlines()
    inside = False
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line.startswith(" "):
            inside = line.rstrip() == "scenario:"
            continue
        match = re.match(r"^  ([a-z_]+):\s*(.*)$", line) if inside else None
        if not match:
            continue
        key, value = match.group(1), match.group(2).strip()
        if value[:1] in ("|", ">"):
            block = []
            while i < len(lines) and (lines[i].startswith("    ") or not lines[i].strip()):
                block.append(lines[i].strip())
                i += 1
            value = ("\n" if value[0] == "|" else " ").join(block).strip()
        elif value[:1] == '"' and value.endswith('"') and len(value) > 1:
            value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        elif value[:1] == "'" and value.endswith("'") and len(value) > 1:
            value = value[1:-1].replace("''", "'")
        fields[key] = value
    return fields


def drop_empty_entities(s):
    """The series without the entities that are NaN everywhere (countries with no labs)."""
    import numpy as np

    if s.entities is None:
        return s
    keep = [e for e in range(len(s.entities)) if np.isfinite(s.values[:, :, e]).any()]
    if len(keep) == len(s.entities) or not keep:
        return s
    part = copy.copy(s)
    part.values = s.values[:, :, keep]
    part.entities = [s.entities[e] for e in keep]
    return part


class Run:
    """What the report needs from one run file, read at once so the file can be closed."""

    def __init__(self, path):
        import h5py

        self.path = path
        if not os.path.exists(path):
            raise RunFileError("%s: no such file" % path)
        if not os.path.isfile(path):
            raise RunFileError("%s: not a file" % path)
        try:
            if not h5py.is_hdf5(path):
                raise RunFileError("%s: not an HDF5 file (an airace run file is written by "
                                   "'airace run')" % path)
            failure = plot.hdf5_failure(path)
            if failure:
                raise RunFileError("%s: the file is damaged: %s" % (path, failure))
            f = h5py.File(path, "r")
        except OSError as e:
            raise RunFileError("%s: cannot open it: %s" % (path, e)) from e
        # Any failure while reading is a damaged file or one of another program's, never a
        # traceback: h5py raises OSError, KeyError or RuntimeError for damaged metadata.
        try:
            with f:
                meta = f.get("meta")
                if not isinstance(meta, h5py.Group) or "program_version" not in meta.attrs:
                    raise RunFileError("%s: not an airace run file: it has no "
                                       "/meta/program_version attribute" % path)
                failure = plot.meta_checksum_failure(meta)
                if failure:
                    raise RunFileError("%s: the file is damaged: %s" % (path, failure))
                self._read(f)
        except (OSError, KeyError, ValueError, TypeError, IndexError, RuntimeError,
                MemoryError) as e:
            raise RunFileError("%s: cannot read it, the file is damaged or was not written by "
                               "airace: %s" % (path, e or type(e).__name__)) from e

    def _read(self, f):
        import h5py
        import numpy as np

        self.meta = {k: plot.text(v) for k, v in f["meta"].attrs.items()}
        self.scenario_yaml = ""
        if isinstance(f["meta"].get("scenario_yaml"), h5py.Dataset):
            self.scenario_yaml = plot.text(f["meta/scenario_yaml"][()])
        self.scenario = scenario_fields(self.scenario_yaml)
        self.name = (self.meta.get("scenario_name") or self.scenario.get("name")
                     or os.path.splitext(os.path.basename(self.path))[0])
        self.seed = self.meta.get("seed", "")
        self.replicates = self.meta.get("replicates", "")

        if "indicators" not in f or not isinstance(f["indicators"], h5py.Group):
            raise RunFileError("%s: not an airace run file: it has no /indicators group (a "
                               "sweep file? report on one of its runs instead)" % self.path)
        self.indicators = [plot.Series(f, p) for p in plot.series_paths(f, ["indicators"])]
        if not self.indicators:
            raise RunFileError("%s: no series in /indicators" % self.path)

        self.releases = None
        if "releases" in f and isinstance(f["releases"], h5py.Group):
            g = f["releases"]
            needed = ("release_replicate", "lab", "country", "date_iso", "capability", "open")
            if all(k in g for k in needed):
                self.releases = {
                    "replicate": np.asarray(g["release_replicate"][()], dtype=np.int64),
                    "lab": [plot.text(x) for x in g["lab"][()]],
                    "country": [plot.text(x) for x in g["country"][()]],
                    "date": [datetime.date.fromisoformat(plot.text(x))
                             for x in g["date_iso"][()]],
                    "capability": np.asarray(g["capability"][()], dtype=float),
                    "open": np.asarray(g["open"][()]).astype(bool),
                }

        self.markets = []
        if "markets" in f and isinstance(f["markets"], h5py.Group):
            if "index_usd" in f["markets"]:
                self.markets.append(plot.Series(f, "markets/index_usd"))
            if "market_cap_usd" in f["markets"]:
                caps = plot.Series(f, "markets/market_cap_usd")
                names = ([plot.text(x) for x in f["markets/firm_name"][()]]
                         if "firm_name" in f["markets"] else caps.entities)
                for k, firm in enumerate(caps.entities or []):
                    if firm.lower() == "nvidia":
                        one = copy.copy(caps)
                        one.values = caps.values[:, :, k]
                        one.entities = None
                        one.stem = "market_cap_usd_" + firm
                        one.description = "Market capitalisation of %s" % names[k]
                        self.markets.append(one)
        # For the largest market shock: Nvidia's daily returns, values and trading days.
        self.shock = None
        self.shock_causes = {}
        m = f.get("markets")
        if (isinstance(m, h5py.Group) and "daily_return" in m and "market_cap_usd" in m
                and "firm" in m):
            firms = [plot.text(x) for x in m["firm"][()]]
            if "nvidia" in firms:
                k = firms.index("nvidia")
                returns = plot.Series(f, "markets/daily_return")
                caps = plot.Series(f, "markets/market_cap_usd")
                names = ([plot.text(x) for x in m["firm_name"][()]] if "firm_name" in m
                         else firms)
                self.shock = (names[k], returns.values[:, :, k], caps.values[:, :, k],
                              returns.dates)
                # What drove each of the firm's largest moves (/markets/events): by replicate
                # and day, the cause the model gives it.
                self.shock_causes = {}
                if all(k in m for k in ("event_firm", "event_date", "event_cause",
                                        "events_replicate")):
                    firm = [plot.text(x) for x in m["event_firm"][()]]
                    cause = [plot.text(x) for x in m["event_cause"][()]]
                    day = m["event_date"][()]
                    rep = m["events_replicate"][()]
                    epoch = datetime.date(1970, 1, 1)
                    for i in range(len(firm)):
                        if firm[i] == "nvidia":
                            self.shock_causes[(int(rep[i]), epoch + datetime.timedelta(
                                days=int(day[i])))] = cause[i]
        self.lab_names = {}
        labs = f.get("labs")
        if isinstance(labs, h5py.Group) and "lab" in labs and "lab_name" in labs:
            self.lab_names = dict(zip((plot.text(x) for x in labs["lab"][()]),
                                      (plot.text(x) for x in labs["lab_name"][()])))
        self.has_adoption = "adoption" in f
        # The values each replicate drew for the uncertain parameters (none: None).
        self.draws = None
        u = f.get("uncertainty")
        if isinstance(u, h5py.Group) and "parameter" in u and "values" in u:
            self.draws = ([plot.text(x) for x in u["parameter"][()]],
                          np.asarray(u["values"][()], dtype=float))

    def dates_covered(self):
        first = min(s.dates[0] for s in self.indicators if s.dates)
        last = max(s.dates[-1] for s in self.indicators if s.dates)
        return first, last


def frontier_releases(releases, replicates):
    """The releases that raised their country's best capability in their replicate, kept when
    the same lab released on the same day, with the same openness, in at least half of the
    replicates: the history the median curves share. Returns (country, lab, date, open) rows
    and a sentence saying what was kept."""
    if releases is None or not len(releases["replicate"]):
        return [], "The run file has no model releases."
    import collections

    order = sorted(range(len(releases["replicate"])),
                   key=lambda i: (releases["replicate"][i], releases["date"][i]))
    best, counts = {}, collections.Counter()
    for i in order:
        key = (int(releases["replicate"][i]), releases["country"][i])
        if releases["capability"][i] > best.get(key, -float("inf")):
            best[key] = releases["capability"][i]
            counts[(releases["country"][i], releases["lab"][i], releases["date"][i],
                    bool(releases["open"][i]))] += 1
    n = max(1, int(replicates) if str(replicates).isdigit() else
            len(set(int(r) for r in releases["replicate"])))
    rows = sorted((k for k, c in counts.items() if 2 * c >= n), key=lambda k: k[2])
    return rows, ("Marked: %d frontier releases (each raised its country's best capability) "
                  "that happen on the same day in at least half of the %d replicates, out of "
                  "%d releases in all. Triangles at the top: filled = open weights, hollow = "
                  "closed; US above, China below, colour by country."
                  % (len(rows), n, len(releases["replicate"])))


def mark_releases(ax, rows, first, last):
    """Triangles along the top of ax at each release day; a faint line down the chart."""
    # Room at the top, so that the triangles sit above the curves.
    bottom, top = ax.get_ylim()
    if ax.get_yscale() == "log":
        ax.set_ylim(bottom, top * (top / bottom) ** 0.15)
    else:
        ax.set_ylim(bottom, top + 0.15 * (top - bottom))
    trans = ax.get_xaxis_transform()
    for country, lab, day, is_open in rows:
        if not first <= day <= last:
            continue
        colour = COUNTRY_COLOURS.get(country, OTHER_COLOUR)
        y = 0.97 if country == "US" else 0.92 if country == "CN" else 0.87
        ax.axvline(day, color=colour, alpha=0.12, linewidth=0.8, zorder=0)
        ax.plot([day], [y], transform=trans, marker="v", markersize=5, linestyle="none",
                markeredgecolor=colour, markerfacecolor=colour if is_open else "white",
                clip_on=False, zorder=5)


# ---------------------------------------------------------------------------------------------
# Charts


def human_unit(units, values):
    """(divisor, axis label) that show values of `units` in the units a reader thinks in:
    millions of H100e, $ trillion, quadrillions of tokens, percent. Chosen by the largest value
    shown."""
    import numpy as np

    finite = np.abs(np.asarray(values, dtype=float))
    finite = finite[np.isfinite(finite)]
    peak = float(finite.max()) if finite.size else 0.0
    units = units or ""
    if units == "fraction":
        return 0.01, "%"
    def largest(scales, rest):
        """(divisor, word + rest) of the first of scales (largest first) the peak reaches."""
        return next(((d, word + rest) for d, word in scales if peak >= d), None)

    if units.startswith("H100e"):
        rest = units[len("H100e"):]
        return largest(((1e6, "million H100e"), (1e3, "thousand H100e")), rest) or (1.0, units)
    if units.startswith("USD"):
        rest = units[len("USD"):].replace("/year", " per year")
        return (largest(((1e12, "$ trillion"), (1e9, "$ billion"), (1e6, "$ million")), rest)
                or (1.0, "$" + rest))
    if units.startswith("M tokens"):
        rest = units[len("M tokens"):].replace("/year", " per year")
        return (largest(((1e9, "quadrillion tokens"), (1e6, "trillion tokens"),
                         (1e3, "billion tokens")), rest) or (1.0, units))
    if units.startswith("log10 FLOP"):
        return 1.0, "capability, log10 effective FLOP"
    return 1.0, units


def in_human_units(s):
    """A copy of the series with its values divided by its human unit's divisor and that unit
    as its axis label."""
    divisor, label = human_unit(s.units, s.values)
    out = copy.copy(s)
    out.values = s.values / divisor
    out.human = label
    out.ylabel = lambda: label  # plot.draw labels the y axis with it
    return out


def plain_text(x, decimals):
    """x with `decimals` decimals and thousands separators, never in scientific notation."""
    text = "{:,.{d}f}".format(x, d=max(0, decimals))
    return "0" if re.fullmatch(r"-?0(\.0*)?", text) else text


def plain_formatter():
    """A tick formatter that writes every tick as a plain number: no offset ("1e7" above the
    axis), no scientific notation, as many decimals as the ticks need and no more."""
    import math

    import matplotlib.ticker as mticker

    class PlainFormatter(mticker.Formatter):
        decimals = 0

        def set_locs(self, locs):
            super().set_locs(locs)
            self.decimals = 0
            if self.axis is not None and self.axis.get_scale() == "log":
                return  # each tick its own decimals (0.01, 1, 100), below
            for d in range(0, 12):
                if all(abs(x * 10 ** d - round(x * 10 ** d)) < 1e-6 * max(1.0, abs(x * 10 ** d))
                       for x in locs if math.isfinite(x)):
                    self.decimals = d
                    break
            else:
                self.decimals = 12

        def __call__(self, x, pos=None):
            if self.axis is not None and self.axis.get_scale() == "log" and 0 < x < 1:
                return plain_text(x, math.ceil(-math.log10(x) - 1e-9))
            return plain_text(x, self.decimals)

        def get_offset(self):
            return ""

    return PlainFormatter()


def tidy_axes(ax):
    """Plain-number ticks on y (log scales too: 0.01, 1, 100), dates on x with no offset."""
    import matplotlib.ticker as mticker

    ax.yaxis.set_major_formatter(plain_formatter())
    if ax.get_yscale() == "log":
        ax.yaxis.set_major_locator(mticker.LogLocator(base=10))
        ax.yaxis.set_minor_formatter(mticker.NullFormatter())
    x = ax.xaxis.get_major_formatter()
    if hasattr(x, "offset_formats"):  # ConciseDateFormatter: years only, no "2024-Mar" corner
        x.offset_formats = [""] * len(x.offset_formats)


def fixed_margins(fig, rows, columns, suptitle=0):
    """Margins in inches, set once: matplotlib's constrained layout would measure every tick
    label of every panel and take most of the report's time. `suptitle`: how many lines the
    figure's title takes above the panels' own titles."""
    width, height = fig.get_size_inches()
    left, right, bottom, top = 0.9, 0.2, 0.45, 0.55 + 0.25 * int(suptitle)
    gap_x, gap_y = 1.0, 0.75  # room for the next panel's y label and this one's title
    panel_w = (width - left - right - gap_x * (columns - 1)) / columns
    panel_h = (height - top - bottom - gap_y * (rows - 1)) / rows
    fig.subplots_adjust(left=left / width, right=1 - right / width, bottom=bottom / height,
                        top=1 - top / height, wspace=gap_x / panel_w, hspace=gap_y / panel_h)


def figure_title(fig, text, width_chars):
    """The figure's title at its top edge, wrapped: returns the number of lines."""
    lines = textwrap.wrap(text, width_chars) or [""]
    height = fig.get_size_inches()[1]
    fig.suptitle("\n".join(lines), fontsize=11, y=1 - 0.08 / height, va="top")
    return len(lines)


def has_values(values):
    """Whether a series holds anything worth a panel: a finite value other than zero."""
    import numpy as np

    return bool(np.any(np.isfinite(values) & (values != 0)))


def chart_spec(fig):
    """What the figure shows, read back from matplotlib after drawing: per panel its title,
    axis labels, tick labels and offset texts, and the boxes (pixels) of the panels and of the
    figure's title. The report stores it beside each chart, so that a test can check that no
    axis uses offset or scientific notation and that no title overlaps a panel."""
    renderer = fig.canvas.get_renderer()
    panels = []
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        panel = {"title": ax.get_title(), "ylabel": ax.get_ylabel(), "xlabel": ax.get_xlabel(),
                 "yscale": ax.get_yscale(), "bbox": list(ax.get_tightbbox(renderer).bounds)}
        for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            low, high = sorted(axis.get_view_interval())
            locs = [v for v in axis.get_majorticklocs() if low <= v <= high]
            formatter = axis.get_major_formatter()
            panel[name + "ticks"] = [str(t) for t in formatter.format_ticks(locs)]
            panel[name + "offset"] = axis.get_offset_text().get_text() or formatter.get_offset()
        panels.append(panel)
    spec = {"panels": panels}
    if fig._suptitle is not None and fig._suptitle.get_text():
        spec["suptitle"] = {"text": fig._suptitle.get_text(),
                            "bbox": list(fig._suptitle.get_window_extent(renderer).bounds)}
    return spec


def png_base64(fig):
    """(the figure as base64 PNG, its chart_spec)."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=CHART_DPI)
    spec = chart_spec(fig)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii"), spec


def series_chart(s, releases=None):
    """One figure for a series: a single chart, or small multiples for two entity axes."""
    import matplotlib.pyplot as plt

    parts = [drop_empty_entities(p) for p in s.split()]
    parts = [p for p in parts if p.entities is None or p.entities]
    # Small multiples only for the entities with something to show (countries without labs).
    parts = [p for p in parts if has_values(p.values)] or parts[:1]
    if len(parts) == 1:
        fig, ax = plt.subplots(figsize=(9, 4.6))
        fixed_margins(fig, 1, 1)
        plot.draw(ax, in_human_units(parts[0]))
        axes = [ax]
    else:
        columns = 3 if len(parts) > 4 else 2
        rows = (len(parts) + columns - 1) // columns
        fig, grid = plt.subplots(rows, columns, figsize=(4.7 * columns, 3.2 * rows),
                                 squeeze=False, sharex=True)
        fixed_margins(fig, rows, columns, suptitle=len(textwrap.wrap(s.description, 110)))
        axes = list(grid.flat)
        for ax, part in zip(axes, parts):
            plot.draw(ax, in_human_units(part), compact=True)
            ax.set_title(part.description.rsplit(": ", 1)[-1], fontsize=10)
        for ax in axes[len(parts):]:
            ax.set_visible(False)
        axes = axes[:len(parts)]
        figure_title(fig, s.description, 110)
    for ax in axes:
        tidy_axes(ax)
    if releases:
        for ax in axes:
            mark_releases(ax, releases, s.dates[0], s.dates[-1])
    return png_base64(fig)


def align(base, whatif):
    """The two series restricted to their common dates and entities, in base's order."""
    common = set(whatif.dates)
    b_t = [t for t, d in enumerate(base.dates) if d in common]
    w_index = {d: t for t, d in enumerate(whatif.dates)}
    w_t = [w_index[base.dates[t]] for t in b_t]
    b, w = copy.copy(base), copy.copy(whatif)
    b.dates = w.dates = [base.dates[t] for t in b_t]
    if base.entities is None or whatif.entities is None:
        b.values, w.values = base.values[:, b_t], whatif.values[:, w_t]
        if (base.entities is None) != (whatif.entities is None):
            raise ValueError("one file has entities for it, the other not")
        return b, w
    w_e = {e: k for k, e in enumerate(whatif.entities)}
    b_e = [k for k, e in enumerate(base.entities) if e in w_e]
    b.entities = w.entities = [base.entities[k] for k in b_e]
    b.values = base.values[:, b_t][:, :, b_e]
    w.values = whatif.values[:, w_t][:, :, [w_e[base.entities[k]] for k in b_e]]
    if not b_e:
        raise ValueError("the files share none of its entities")
    b.axes = w.axes = [b.entities]
    return b, w


def differences(b, w, paired):
    """Samples of what-if minus base: per replicate when paired, else over pairs of replicates
    (every pair up to MAX_PAIRS, else a fixed random sample of them). A difference within a
    billionth of the values it is taken from is rounding, not an effect: it counts as zero."""
    import numpy as np

    if paired:
        i = j = slice(None)
    else:
        rb, rw = b.values.shape[0], w.values.shape[0]
        if rb * rw <= MAX_PAIRS:
            i, j = np.meshgrid(np.arange(rb), np.arange(rw), indexing="ij")
            i, j = i.ravel(), j.ravel()
        else:
            rng = np.random.default_rng(0)
            i, j = rng.integers(0, rb, MAX_PAIRS), rng.integers(0, rw, MAX_PAIRS)
    base, whatif = b.values[i], w.values[j]
    d = whatif - base
    with np.errstate(invalid="ignore"):
        d[np.abs(d) <= 1e-9 * np.maximum(np.abs(base), np.abs(whatif))] = 0.0
    return d


def quantiles(values):
    import numpy as np

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices: nothing there
        return np.nanpercentile(values, [5, 50, 95], axis=0)


def draw_both(ax, b, w):
    """Both medians on one chart: base solid, what-if dashed, one colour per entity."""
    import matplotlib.dates as mdates

    entities = b.entities if b.entities is not None else [None]
    colours = ["C%d" % (k % 10) for k in range(len(entities))]
    for run, style, series in (("base", "-", b), ("what-if", "--", w)):
        low, median, high = quantiles(series.values)
        if series.entities is None:
            low, median, high = low[:, None], median[:, None], high[:, None]
        for k, entity in enumerate(entities):
            # The title says which style is which run: one legend entry per entity.
            label = run if entity is None else (entity if style == "-" else None)
            ax.plot(series.dates, median[:, k], style, color=colours[k], linewidth=1.5,
                    label=label)
            if series.replicates > 1:
                ax.fill_between(series.dates, low[:, k], high[:, k], color=colours[k],
                                alpha=0.08 if style == "--" else 0.15, linewidth=0)
    ax.set_ylabel(b.ylabel())
    ax.set_title("Base (solid) and what-if (dashed): median, 5-95%", fontsize=9)
    ax.grid(True, alpha=0.3)
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.legend(fontsize=7, ncol=1 if len(entities) <= 5 else 2, loc="best", framealpha=0.7)


def difference_chart(base, whatif, paired):
    """Left: both medians; right: median difference what-if - base and its 90% band. Returns
    (PNG, chart spec, table rows in human units, the unit of those rows)."""
    import matplotlib.pyplot as plt
    import numpy as np

    b_parts, w_parts = base.split(), whatif.split()
    w_by_stem = {p.stem: p for p in w_parts}
    pairs = []
    for bp in b_parts:
        if bp.stem in w_by_stem:
            b, w = align(bp, w_by_stem[bp.stem])
            if has_values(b.values) or has_values(w.values) or len(b_parts) == 1:
                pairs.append((b, w))
    if not pairs:
        raise ValueError("no values in common")
    fig, grid = plt.subplots(len(pairs), 2, figsize=(12, 3.6 * len(pairs)), squeeze=False)
    fixed_margins(fig, len(pairs), 2, suptitle=len(textwrap.wrap(base.description, 120)))
    rows = []
    units = []
    for (b, w), (left, right) in zip(pairs, grid):
        # A unit per row of panels, chosen by the largest value it shows.
        divisor, unit = human_unit(base.units, np.concatenate([b.values.ravel(),
                                                               w.values.ravel()]))
        units.append(unit)
        b, w = copy.copy(b), copy.copy(w)
        b.values, w.values = b.values / divisor, w.values / divisor
        b.ylabel = w.ylabel = (lambda: unit)
        # Entities empty in both runs (countries without labs) only crowd the legend.
        if b.entities is not None:
            keep = [k for k in range(len(b.entities)) if has_values(b.values[:, :, k])
                    or has_values(w.values[:, :, k])]
            if keep and len(keep) < len(b.entities):
                b.entities = w.entities = [b.entities[k] for k in keep]
                b.values, w.values = b.values[:, :, keep], w.values[:, :, keep]
        draw_both(left, b, w)
        d = copy.copy(b)
        d.values = differences(b, w, paired)
        d.description = "What-if minus base: median, 90%% band (%s)" % (
            "paired by replicate" if paired else "over pairs of replicates")
        plot.draw(right, d, compact=True)
        right.texts[-1].set_text("")  # draw()'s "over N replicates" would count pairs
        right.axhline(0, color="0.2", linewidth=0.8)
        right.set_yscale("linear")  # differences change sign: never a log scale
        right.set_title(d.description, fontsize=9)
        if base.units == "fraction":
            right.set_ylabel("percentage points")
        for ax in (left, right):
            ax.yaxis.label.set_fontsize(8)
            tidy_axes(ax)
        if len(pairs) > 1:
            left.set_title("%s: %s" % (b.description.rsplit(": ", 1)[-1],
                                       left.get_title()), fontsize=9)
        low, median, high = quantiles(d.values)
        if d.entities is None:
            low, median, high = low[:, None], median[:, None], high[:, None]
        bm, wm = quantiles(b.values)[1], quantiles(w.values)[1]
        if b.entities is None:
            bm, wm = bm[:, None], wm[:, None]
        last = len(b.dates) - 1
        for k, entity in enumerate(b.entities if b.entities is not None else [None]):
            label = b.description.rsplit(": ", 1)[-1] + " / " + entity if (
                entity is not None and len(pairs) > 1) else entity or ""
            rows.append((label, b.dates[last] if b.dates else None, bm[last, k], wm[last, k],
                         median[last, k], low[last, k], high[last, k], unit))
    figure_title(fig, base.description, 120)
    src, spec = png_base64(fig)
    return src, spec, rows, " or ".join(sorted(set(units), key=units.index))


# ---------------------------------------------------------------------------------------------
# HTML

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto;
       max-width: 1180px; padding: 0 1.2em 3em; color: #1c1c1c; line-height: 1.45; }
h1 { margin: 1em 0 .2em; } h2 { border-bottom: 2px solid #ddd; padding-bottom: .2em;
       margin-top: 2em; }
.context { color: #444; margin: 0 0 .8em; }
table { border-collapse: collapse; margin: .6em 0; font-size: .92em; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1.2em 0; break-inside: avoid; } figure img { max-width: 100%; height: auto;
       border: 1px solid #eee; }
figcaption { font-size: .88em; color: #444; }
tr.beyond td { background: #fff4d6; }
table.wide { width: 100%; }
details pre { background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: .85em; }
nav ul { columns: 2; } .note { color: #555; font-size: .92em; }
#findings { border: 1px solid #c9d6e6; background: #f4f8fc; padding: .2em 1.2em .6em;
            border-radius: 6px; }
#findings h2 { margin-top: .6em; border: none; }
#findings li { margin: .45em 0; font-size: 1.05em; }
.headline { font-size: 1.05em; margin: .45em 0; }
#assumptions li { margin: .35em 0; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  nav { display: none; }
  details > pre { white-space: pre-wrap; }
  h2 { break-after: avoid; }
}
"""


def esc(value):
    return html.escape(str(value), quote=True)


def number(x, digits=3):
    """x to `digits` significant digits, as a person writes it: 14, 0.35, 1,250; never in
    scientific notation; what rounds to nothing is 0."""
    import math

    if x is None or not math.isfinite(float(x)):
        return "–"
    x = float(x)
    if abs(x) < 5e-4:
        return "0"
    decimals = min(3, max(0, digits - 1 - int(math.floor(math.log10(abs(x))))))
    text = plain_text(round(x, decimals), decimals)
    return text.rstrip("0").rstrip(".") if "." in text else text


def signed(x, digits=3):
    text = number(x, digits)
    return text if text.startswith("-") or text in ("0", "–") else "+" + text


def figure(series_id, chart, title, caption=""):
    """A chart: (PNG as base64, chart spec) from png_base64, with its caption."""
    src, spec = chart
    return ('<figure id="%s"><img data-series="%s" data-axes="%s" alt="%s" '
            'src="data:image/png;base64,%s"><figcaption>%s</figcaption></figure>'
            % (esc(series_id.replace("/", "-")), esc(series_id), esc(json.dumps(spec)),
               esc(title), src, caption or esc(title)))


def meta_table(run, label=None):
    first, last = run.dates_covered()
    rows = [("Scenario", run.name), ("Description", run.scenario.get("description", "")),
            ("Simulated", "%s to %s" % (run.scenario.get("start", first),
                                        run.scenario.get("end", last))),
            ("Replicates", run.replicates), ("Seed", run.seed),
            ("Program version", "%s (git %s)" % (run.meta.get("program_version", "?"),
                                                 run.meta.get("git_revision", "?"))),
            ("Scenario file", run.meta.get("scenario_file", "")),
            ("Command", run.meta.get("command_line", "")),
            ("Created (UTC)", run.meta.get("created_utc", "")),
            ("Run file", os.path.abspath(run.path))]
    head = "<h3>%s</h3>" % esc(label) if label else ""
    return head + "<table>%s</table>" % "".join(
        "<tr><th>%s</th><td>%s</td></tr>" % (esc(k), esc(v)) for k, v in rows if v != "")


def sentence_case(text):
    return text[:1].upper() + text[1:]


def indicator_figure(s, releases, release_note):
    marked = s.name in RELEASE_MARKED and releases
    chart = series_chart(s, releases if marked else None)
    caption = "<b>%s</b> (%s; <code>/%s</code>). Median and 5-95%% band over %d replicates." % (
        esc(sentence_case(s.description)), esc(human_unit(s.units, s.values)[1]), esc(s.path),
        s.replicates)
    if marked:
        caption += " " + esc(release_note)
    return figure(s.path, chart, s.description, caption)


# ---------------------------------------------------------------------------------------------
# Findings: the first screen, in sentences


def find_indicator(run, name):
    return next((s for s in run.indicators if s.name == name), None)


def entity_column(s, entity):
    """values [replicate, time] of one entity of a series over one entity axis (None: absent)."""
    if s is None:
        return None
    if s.entities is None:
        return s.values if entity is None else None
    if entity is None or entity not in s.entities or len(s.axes) != 1:
        return None
    return s.values[:, :, s.entities.index(entity)]


def spread(values):
    """(5th percentile, median, 95th percentile) over replicates, NaNs left out."""
    import numpy as np

    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None
    return tuple(float(v) for v in np.percentile(values, [5, 50, 95]))


def last_finite(values):
    """The last time index at which some replicate has a value."""
    import numpy as np

    rows = np.where(np.isfinite(values).any(axis=0))[0]
    return int(rows[-1]) if rows.size else None


def with_unit(x, unit, digits=3):
    """x and its unit as a sentence writes them: 14 months, 65%, $1.2 trillion."""
    text = x if isinstance(x, str) else number(x, digits)
    if unit == "%":
        return text + "%"
    if unit.startswith("$ "):
        return text.replace(text.lstrip("+-"), "$" + text.lstrip("+-")) + " " + unit[2:]
    return text + (" " + unit if unit else "")


def band(lo, hi, unit, what="replicates", digits=3):
    """The range of the middle 90% of `what`, as words."""
    if unit == "%" or unit.startswith("$ "):
        low = with_unit(lo, unit, digits)
    else:
        low = number(lo, digits)
    return "90%% of %s between %s and %s" % (what, low, with_unit(hi, unit, digits))


def gap_finding(run):
    s = find_indicator(run, "us_cn_gap_months")
    v = entity_column(s, None)
    t = last_finite(v) if v is not None else None
    if t is None:
        return None
    lo, mid, hi = spread(v[:, t])
    who = "the US leads China's best model" if mid >= 0 else "China leads the US's best model"
    text = ("On %s, the end of the run, %s by a median of %s months of frontier progress (%s)"
            % (s.dates[t], who, number(abs(mid), 2), band(lo, hi, "months", digits=2)))
    half = t // 2
    earlier = spread(v[:, half]) if half < t else None
    if earlier is not None:
        text += ("; on %s the gap was %s months (%s)"
                 % (s.dates[half], number(earlier[1], 2),
                    band(earlier[0], earlier[2], "months", digits=2)))
    end = [x for x in v[:, t] if x == x]  # NaNs left out
    text += (". The US is ahead at the end in %d of %d replicates, China in %d"
             % (sum(x > 0 for x in end), len(v[:, t]), sum(x < 0 for x in end)))
    return text + ". Positive: the US ahead."


def compute_finding(run):
    import numpy as np

    s = find_indicator(run, "compute_h100e")
    cn, us = entity_column(s, "CN"), entity_column(s, "US")
    t = last_finite(cn) if cn is not None else None
    if t is None:
        return None
    divisor, unit = human_unit("H100e", cn[:, t])
    lo, mid, hi = spread(cn[:, t] / divisor)
    text = ("China's installed AI compute reaches a median of %s on %s (%s)"
            % (with_unit(mid, unit), s.dates[t], band(lo, hi, unit)))
    if us is not None and np.isfinite(us[:, t]).any():
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = spread(100.0 * cn[:, t] / us[:, t])
        us_divisor, us_unit = human_unit("H100e", us[:, t])
        if ratio is not None:
            text += (", %s%% of the US's %s" % (number(ratio[1], 2),
                                                 with_unit(spread(us[:, t] / us_divisor)[1],
                                                           us_unit)))
    share = entity_column(find_indicator(run, "cn_domestic_share"), None)
    if share is not None and last_finite(share) is not None:
        ts = last_finite(share)
        lo, mid, hi = spread(100.0 * share[:, ts])
        text += ("; chips designed in China make up %s%% of it (%s)"
                 % (number(mid, 2), band(lo, hi, "%")))
    return text + "."


def market_finding(run):
    """The largest one-day fall of Nvidia's value (the index's without Nvidia): its size per
    replicate, the day it most often falls on and the release that came just before."""
    import collections

    import numpy as np

    shock = run.shock
    if shock is None:
        return None
    name, returns, caps, dates = shock
    worst = np.nanargmin(np.where(np.isfinite(returns), returns, np.inf), axis=1)
    rows = np.arange(returns.shape[0])
    falls = -100.0 * returns[rows, worst]
    usd = np.array([caps[r, max(t - 1, 0)] for r, t in zip(rows, worst)]) * falls / 100.0
    lo, mid, hi = spread(falls)
    divisor, unit = human_unit("USD", np.nanmedian(usd))
    day, count = collections.Counter(dates[t] for t in worst).most_common(1)[0]
    # What the record allows, for the reader to judge the size by (docs/model.md, markets).
    history = (" (in history Nvidia's worst day of 2022-2025 was -17.0%, on 2025-01-27)"
               if name.lower().startswith("nvidia") else "")
    text = ("%s's largest one-day fall is a median of %s%% of its value (%s), about %s%s; it "
            "comes on %s in %d of %d replicates"
            % (name, number(mid, 2), band(lo, hi, "%", digits=2),
               with_unit(np.nanmedian(usd) / divisor, unit, 2), history, day, count, len(rows)))
    # What drove it, as the model records it (/markets/events), in those replicates.
    causes = collections.Counter(run.shock_causes.get((int(r), day)) for r, t in zip(rows, worst)
                                 if dates[t] == day)
    causes.pop(None, None)
    if causes:
        cause, k = causes.most_common(1)[0]
        if cause.startswith("release:"):
            lab = cause[len("release:"):]
            what = "a release by %s" % run.lab_names.get(lab, lab)
        else:
            what = {"rate_decision": "a surprise in a rate decision",
                    "incident": "an AI incident (investors' expected compute demand)",
                    "earnings": "the firm's quarterly report",
                    "none": "no news (noise and fundamentals)"}.get(cause, cause)
        return text + "; its cause is %s in %d of them." % (what, k)
    # Without /markets/events: the release that came in the week before that day.
    if run.releases is not None:
        before = collections.Counter()
        for r, t in zip(rows, worst):
            if dates[t] != day:
                continue
            near = [i for i in range(len(run.releases["replicate"]))
                    if run.releases["replicate"][i] == r
                    and datetime.timedelta(0) <= day - run.releases["date"][i]
                    <= datetime.timedelta(days=6)]
            if near:
                i = max(near, key=lambda i: run.releases["date"][i])
                before[(run.releases["lab"][i], bool(run.releases["open"][i]))] += 1
        if before:
            (lab, is_open), k = before.most_common(1)[0]
            text += (", after a release by %s (%s weights) in %d of them"
                     % (run.lab_names.get(lab, lab), "open" if is_open else "closed", k))
    return text + "."


def effect_finding(base, whatif, paired, name, entity, what):
    """The what-if's effect on one indicator at the last date both runs have: median and 90%
    of paired replicates (or the difference of medians when unpaired), in human units."""
    import numpy as np

    b = entity_column(find_indicator(base, name), entity)
    w = entity_column(find_indicator(whatif, name), entity)
    if b is None or w is None:
        return None
    bs, ws = find_indicator(base, name), find_indicator(whatif, name)
    common = sorted(set(bs.dates) & set(ws.dates))
    if not common:
        return None
    day = common[-1]
    bt, wt = b[:, bs.dates.index(day)], w[:, ws.dates.index(day)]
    divisor, unit = human_unit(bs.units, np.concatenate([bt, wt]))
    fraction = bs.units == "fraction"
    unit = "percentage points" if fraction else unit
    bt, wt = bt / divisor, wt / divisor
    if not paired:
        d = float(np.nanmedian(wt) - np.nanmedian(bt))
        return ("On %s the what-if changes %s by %s (difference of medians; the runs are "
                "unpaired)." % (day, what, with_unit(signed(d), unit)))
    d = wt - bt
    d[np.abs(d) <= 1e-9 * np.maximum(np.abs(bt), np.abs(wt))] = 0.0
    got = spread(d)
    if got is None:
        return None
    lo, mid, hi = got
    relative = ""
    if not fraction and np.nanmedian(bt) != 0:
        relative = ", %s%% of the base's median" % signed(100.0 * mid / np.nanmedian(bt), 2)
    return ("On %s the what-if changes %s by a median of %s%s (%s)."
            % (day, what, with_unit(signed(mid), unit), relative,
               band(lo, hi, unit, "paired replicates" if paired else "replicates")))


def findings_section(base, whatif):
    items = []
    for key, text in (("gap", gap_finding(base)), ("compute", compute_finding(base)),
                      ("market", market_finding(base))):
        if text:
            items.append('<li id="finding-%s">%s</li>' % (key, esc(text)))
    if whatif is not None:
        paired = is_paired(base, whatif)
        items.append("<li>%s</li>" % headline(base, whatif, paired))
        for key, name, entity, what in (
                ("whatif-compute", "compute_h100e", "CN", "China's installed AI compute"),
                ("whatif-domestic", "cn_domestic_share", None,
                 "the domestic share of China's compute")):
            text = effect_finding(base, whatif, paired, name, entity, what)
            if text:
                items.append('<li id="finding-%s">%s</li>' % (key, esc(text)))
    if not items:
        return ""
    return ('<section id="findings"><h2>Findings</h2><ul>%s</ul><p class="note">Medians over '
            "the replicates; the ranges are the 5th to 95th percentiles across them, the spread "
            "the model's noise and its uncertain parameters give, not a forecast's confidence "
            'interval. <a href="#assumptions">What the model assumes</a> is below the charts.'
            "</p></section>" % "".join(items))


# ---------------------------------------------------------------------------------------------
# What the model assumes: read from docs/model.md, so that it says what the documentation says


def model_doc():
    """The path of docs/model.md: in the source tree beside scripts/, or where `cmake
    --install` puts it (share/doc/airace/docs next to share/airace/scripts); None if neither."""
    here = os.path.dirname(os.path.abspath(__file__))
    for path in (os.path.join(here, os.pardir, "docs", "model.md"),
                 os.path.join(here, os.pardir, os.pardir, "doc", "airace", "docs", "model.md")):
        if os.path.isfile(path):
            return os.path.normpath(path)
    return None


def markdown_bullets(lines):
    """The top-level bullets ("- ...", continued on indented lines) of some markdown lines."""
    bullets = []
    for line in lines:
        if line.startswith("- "):
            bullets.append(line[2:].strip())
        elif bullets and line.startswith("  ") and line.strip():
            bullets[-1] += " " + line.strip()
    return bullets


def inline_markdown(text):
    """The little inline markdown the model's bullets use, as HTML: `code`, **bold**, *italic*
    and [links](...) (their text only: the report links to nothing outside itself)."""
    out = []
    for k, part in enumerate(re.split(r"(`[^`]*`)", text)):
        if k % 2:
            out.append("<code>%s</code>" % esc(part[1:-1]))
            continue
        part = esc(part)
        part = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", part)
        part = re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", part)
        part = re.sub(r"(?<![*\w])\*([^*]+)\*(?!\w)", r"<i>\1</i>", part)
        out.append(part)
    return "".join(out)


def model_assumptions(path):
    """(basic principles, known limitations): bullets of docs/model.md's section 2 that start
    with **Basic principles.** and every bullet of its section 4, as markdown."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    sections, current = {}, None
    for line in lines:
        match = re.match(r"^## (\d+)\. ", line)
        if match:
            current = match.group(1)
            sections[current] = []
        elif current is not None:
            sections[current].append(line)
    principles = [b for b in markdown_bullets(sections.get("2", []))
                  if b.startswith("**Basic principles.**")]
    return principles, markdown_bullets(sections.get("4", []))


def assumptions_section():
    path = model_doc()
    head = '<section id="assumptions"><h2>What the model assumes</h2>'
    if path is None:
        return (head + "<p>The model's description (docs/model.md) is not beside this script, "
                "so its assumptions are not repeated here: read them in the source tree's "
                "docs/model.md, sections 2 and 4.</p></section>")
    principles, limitations = model_assumptions(path)
    return (head + "<p class=\"note\">From the model's description (docs/model.md, sections 2 "
            "and 4), as it stands beside this script.</p>"
            "<h3>How it works</h3><ul>%s</ul><h3>What it leaves out (known limitations)</h3>"
            "<ul>%s</ul></section>"
            % ("".join("<li>%s</li>" % inline_markdown(b) for b in principles),
               "".join("<li>%s</li>" % inline_markdown(b) for b in limitations)))


def build_report(base, whatif=None):
    releases, release_note = frontier_releases(base.releases, base.replicates)
    first, last = base.dates_covered()
    first, last = base.scenario.get("start", first), base.scenario.get("end", last)
    title = "airace report: %s" % base.name
    if whatif is not None:
        names = [run.name for run in (base, whatif)]
        if names[0] == names[1]:  # e.g. a --set of the same scenario: the files tell them apart
            names = ["%s (%s)" % (run.name, os.path.basename(run.path)) for run in (base, whatif)]
        title = "airace report: %s vs %s" % tuple(names)
    adoption = [s for s in base.indicators if s.name in ADOPTION_INDICATORS]
    headline_series = [s for s in base.indicators if s.name not in ADOPTION_INDICATORS]
    sections = [findings_section(base, whatif)]

    nav = "".join('<li><a href="#%s">%s</a></li>' % (esc(s.path.replace("/", "-")),
                                                       esc(sentence_case(s.description)))
                  for s in headline_series + adoption)
    sections.append("<nav><ul>%s%s<li><a href=\"#assumptions\">What the model assumes</a></li>"
                    "<li><a href=\"#run\">The run</a></li></ul></nav>"
                    % (nav, '<li><a href="#whatif">What-if differences</a></li>'
                       if whatif else ""))

    body = "".join(indicator_figure(s, releases, release_note) for s in headline_series)
    sections.append('<section id="headline"><h2>Headline indicators</h2><p class="note">'
                    "Every series of <code>/indicators</code>: the median over replicates "
                    "(line) and the 5-95%% band (shade), one colour per entity.</p>%s</section>"
                    % body)

    if adoption or base.markets:
        parts = [indicator_figure(s, releases, release_note) for s in adoption]
        for s in base.markets:
            chart = series_chart(s, releases)
            caption = ("<b>%s</b> (%s; <code>/%s</code>), on trading days. Median and 5-95%% "
                       "band over %d replicates. %s"
                       % (esc(sentence_case(s.description)),
                          esc(human_unit(s.units, s.values)[1]), esc(s.path), s.replicates,
                          esc(release_note)))
            parts.append(figure(s.path if s.stem == s.name else "markets/" + s.stem, chart,
                                s.description, caption))
        sections.append('<section id="adoption-markets"><h2>Adoption and markets</h2>%s'
                        "</section>" % "".join(parts))

    if whatif is not None:
        sections.append(whatif_section(base, whatif))

    sections.append(assumptions_section())
    sections.append('<section id="run"><h2>The run</h2>%s%s</section>' % (
        meta_table(base, "Base" if whatif is not None else None),
        meta_table(whatif, "What-if") if whatif is not None else ""))
    sections.append('<section id="scenario"><h2>Scenario</h2><details><summary>The resolved '
                    "scenario of %s (after <code>extends:</code> and <code>--set</code>)"
                    "</summary><pre id=\"scenario-yaml\">%s</pre></details>%s</section>"
                    % (esc(base.name), esc(base.scenario_yaml),
                       "" if whatif is None else
                       "<details><summary>The resolved scenario of the what-if, %s</summary>"
                       '<pre id="whatif-scenario-yaml">%s</pre></details>'
                       % (esc(whatif.name), esc(whatif.scenario_yaml))))

    generated = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<title>%s</title><style>%s</style></head><body>"
            "<h1>%s</h1><p class=\"context\">%s. %s to %s, %s replicates, seed %s; airace %s. "
            "Report written %s by <code>scripts/report.py</code>.</p>%s</body></html>\n"
            % (esc(title), STYLE, esc(title), esc(base.scenario.get("description", "")
                                                  or base.name),
               esc(first), esc(last), esc(base.replicates), esc(base.seed),
               esc(base.meta.get("program_version", "?")), esc(generated),
               "".join(sections)))


def ranks(x):
    """Ranks from 1, ties at their mean rank (as airace compare's rank correlation)."""
    import numpy as np

    order = np.argsort(x, kind="stable")
    r = np.empty(len(x))
    sorted_x = np.asarray(x)[order]
    i = 0
    while i < len(x):
        j = i
        while j + 1 < len(x) and sorted_x[j + 1] == sorted_x[i]:
            j += 1
        r[order[i:j + 1]] = 0.5 * (i + j) + 1.0
        i = j + 1
    return r


def rank_correlation(x, y):
    import numpy as np

    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3:
        return float("nan")
    a, b = ranks(np.asarray(x)[ok]), ranks(np.asarray(y)[ok])
    a, b = a - a.mean(), b - b.mean()
    den = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / den) if den > 0 else float("nan")


def shared_draws(base, whatif):
    """The uncertain parameters both runs drew alike, replicate by replicate: {name: values}."""
    import numpy as np

    if base.draws is None or whatif.draws is None:
        return {}
    (bn, bv), (wn, wv) = base.draws, whatif.draws
    out = {}
    for p, name in enumerate(bn):
        if name in wn and bv.shape[0] == wv.shape[0]:
            a, b = bv[:, p], wv[:, wn.index(name)]
            if np.array_equal(a, b, equal_nan=True):
                out[name] = a
    return out


def headline(base, whatif, paired, years=5):
    """One sentence on the what-if's effect on the US-China gap over the last `years` calendar
    years both runs cover: median and 90% of paired replicates, the probability of each sign,
    and the uncertain parameters that drive it (as `airace compare --period`)."""
    import numpy as np

    b = next((s for s in base.indicators if s.path == "indicators/us_cn_gap_months"), None)
    w = next((s for s in whatif.indicators if s.path == "indicators/us_cn_gap_months"), None)
    if b is None or w is None or b.values.ndim != 2 or w.values.ndim != 2:
        return ""
    common = sorted(set(b.dates) & set(w.dates))
    if not common:
        return ""
    last = common[-1].year if common[-1].month == 12 else common[-1].year - 1
    first = max(common[0].year, last - years + 1)
    if last < first:
        return ""
    keep = [d for d in common if first <= d.year <= last]
    bi = [b.dates.index(d) for d in keep]
    wi = [w.dates.index(d) for d in keep]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        bm = np.nanmean(b.values[:, bi], axis=1)
        wm = np.nanmean(w.values[:, wi], axis=1)
    period = "%d" % first if first == last else "%d-%d" % (first, last)
    if not paired:
        d = np.nanmedian(wm) - np.nanmedian(bm)
        return ("<p class=\"headline\" id=\"whatif-headline\">Over %s the what-if changes the "
                "US-China gap (months the US is ahead) by %s months (difference of medians). "
                "The runs are unpaired, so the probability of each sign cannot be stated: run "
                "both with the same seed and replicates.</p>" % (period, number(d)))
    d = wm - bm
    d = d[np.isfinite(d)]
    if d.size == 0:
        return ""
    lo, mid, hi = np.percentile(d, [5, 50, 95])
    up, down = float(np.mean(d > 0)), float(np.mean(d < 0))
    draws = shared_draws(base, whatif)
    full = wm - bm
    drivers = sorted(((rank_correlation(v, full), name) for name, v in draws.items()),
                     key=lambda t: -abs(t[0]) if np.isfinite(t[0]) else 0)
    drivers = [(r, n) for r, n in drivers if np.isfinite(r)][:3]
    what = ("over the %d uncertain parameters' draws and the noise" % len(draws) if draws
            else "over the noise of the replicates (no uncertain parameters)")
    change = ("%s the US-China gap (months the US is ahead) by a median of %s months"
              % ("widens" if mid > 0 else "narrows", number(abs(mid))) if mid != 0 else
              "leaves the median US-China gap (months the US is ahead) unchanged")
    text = ("Over %s the what-if %s (90%% of paired replicates between %s and %s, %s): the "
            "gap is wider than in the base in %.0f%% of replicates and narrower in %.0f%%."
            % (period, change, number(lo), number(hi), what, 100 * up, 100 * down))
    if drivers:
        text += (" The effect depends most on %s."
                 % ", ".join("<code>%s</code> (rank correlation %+.2f)" % (esc(n), r)
                             for r, n in drivers))
    return '<p class="headline" id="whatif-headline">%s</p>' % text


def is_paired(base, whatif):
    """Whether replicate r of one file and of the other share their random streams."""
    return (base.seed != "" and base.seed == whatif.seed and base.replicates != ""
            and base.replicates == whatif.replicates)


def whatif_section(base, whatif):
    paired = is_paired(base, whatif)
    how = ("<b>Paired by replicate</b>: both files have seed %s and %s replicates, so "
           "replicate r of one and of the other share their random streams; the band is "
           "that of the %s per-replicate differences." % (esc(base.seed),
                                                          esc(base.replicates),
                                                          esc(base.replicates))
           if paired else
           "<b>Unpaired</b>: the files differ in seed (%s, %s) or in replicates (%s, %s), so "
           "replicates cannot be matched; the band is that of differences over pairs of "
           "replicates (every pair, or %d drawn at random when there are more)."
           % (esc(base.seed), esc(whatif.seed), esc(base.replicates), esc(whatif.replicates),
              MAX_PAIRS))
    w_by_path = {s.path: s for s in whatif.indicators}
    figures, table, missing = [], [], []
    last_day = None
    for s in base.indicators:
        if s.path not in w_by_path:
            missing.append(s.path)
            continue
        try:
            src, spec, rows, unit = difference_chart(s, w_by_path[s.path], paired)
        except ValueError as e:
            missing.append("%s (%s)" % (s.path, e))
            continue
        figures.append(figure("difference/" + s.path, (src, spec), s.description,
                              "<b>%s</b> (%s; <code>/%s</code>): what-if minus base."
                              % (esc(sentence_case(s.description)), esc(unit), esc(s.path))))
        last_day = rows[0][1] if rows else last_day
        for k, (label, day, bm, wm, dm, lo, hi, row_unit) in enumerate(rows):
            beyond = lo > 0 or hi < 0
            shown_unit = row_unit if k == 0 or rows[k - 1][7] != row_unit else ""
            # The indicator and its unit once, on its first row.
            table.append('<tr%s><td>%s</td><td>%s</td><td>%s</td>'
                         '<td class="num">%s</td><td class="num">%s</td><td class="num">%s</td>'
                         '<td class="num">%s to %s</td></tr>'
                         % (' class="beyond"' if beyond else "",
                            esc(sentence_case(s.description)) if k == 0 else "", esc(label),
                            esc(shown_unit), number(bm), number(wm), signed(dm),
                            number(lo), number(hi)))
    note = ""
    if missing:
        note = "<p class=\"note\">Not compared (absent from the what-if or nothing in " \
               "common): %s.</p>" % esc(", ".join(missing))
    common = "the dates the two runs share"
    names = ["%s (%s)" % (run.name, os.path.basename(run.path)) for run in (whatif, base)]
    return ('<section id="whatif"><h2>What-if differences</h2><p>What-if <b>%s</b> minus '
            "base <b>%s</b>, on %s. %s</p>%s%s<h3>At the last common date, %s</h3>"
            "<p class=\"note\">Highlighted rows: the 90%% band of the difference excludes zero."
            "</p><table class=\"wide\"><tr><th>indicator</th><th>entity</th><th>unit</th>"
            "<th>base median</th><th>what-if median</th><th>difference, median</th>"
            "<th>90%% band</th></tr>%s</table></section>"
            % (esc(names[0]), esc(names[1]), common, how, note, "".join(figures),
               esc(last_day), "".join(table)))


def main():
    parser = argparse.ArgumentParser(
        description="Write a self-contained HTML report of an airace run file; given a "
                    "second (what-if) file, add the differences what-if - base.")
    parser.add_argument("run_file", help="an airace run file (.h5): the base")
    parser.add_argument("whatif_file", nargs="?", help="a second run file: the what-if")
    parser.add_argument("-o", "--output",
                        help="the HTML file to write (default: <run-stem>_report.html or "
                             "<run-stem>_vs_<whatif-stem>.html next to the run file)")
    parser.add_argument("--pdf", nargs="?", const="", metavar="PDF",
                        help="also print the report to PDF with headless Chromium (Debian's "
                             "chromium), to PDF or by default beside the HTML file with the "
                             "extension .pdf")
    args = parser.parse_args()

    plot.ensure_dependencies(__file__)
    import matplotlib

    matplotlib.use("Agg")  # files only: no display needed, none used

    chromium = None
    if args.pdf is not None:
        chromium = shutil.which("chromium")
        if chromium is None:
            print("%s: --pdf prints with headless Chromium, which is not installed: install "
                  "Debian's chromium (`bash scripts/setup.sh --tests` does); nothing was "
                  "written" % PROGRAM, file=sys.stderr)
            return 2

    try:
        base = Run(args.run_file)
        whatif = Run(args.whatif_file) if args.whatif_file else None
    except RunFileError as e:
        print("%s: %s" % (PROGRAM, e), file=sys.stderr)
        return 2

    output = args.output
    if not output:
        stem = os.path.splitext(os.path.basename(args.run_file))[0]
        name = (stem + "_report.html" if whatif is None else "%s_vs_%s.html" % (
            stem, os.path.splitext(os.path.basename(args.whatif_file))[0]))
        output = os.path.join(os.path.dirname(os.path.abspath(args.run_file)), name)
    document = build_report(base, whatif)
    directory = os.path.dirname(os.path.abspath(output))
    os.makedirs(directory, exist_ok=True)
    temporary = output + ".part"  # never leave a half-written report under the real name
    with open(temporary, "w", encoding="utf-8") as out:
        out.write(document)
    os.replace(temporary, output)
    print(output)
    if chromium is not None:
        pdf = args.pdf or os.path.splitext(output)[0] + ".pdf"
        failure = print_pdf(chromium, output, pdf)
        if failure:
            print("%s: %s: %s" % (PROGRAM, pdf, failure), file=sys.stderr)
            return 1
        print(pdf)
    return 0


def print_pdf(chromium, document, pdf):
    """Prints the HTML file `document` to `pdf` with headless Chromium, A4 as the report's
    print style sets, without the browser's header and footer. Returns what went wrong, or
    None. The PDF appears under its name only when complete."""
    directory = os.path.dirname(os.path.abspath(pdf))
    os.makedirs(directory, exist_ok=True)
    temporary = os.path.join(directory, ".%s.part.pdf" % os.path.basename(pdf))
    with tempfile.TemporaryDirectory(prefix="airace-report-chromium-") as profile:
        try:
            done = subprocess.run(
                [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--user-data-dir=" + profile, "--no-pdf-header-footer",
                 "--print-to-pdf-no-header", "--print-to-pdf=" + temporary,
                 pathlib.Path(os.path.abspath(document)).as_uri()],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
        except (OSError, subprocess.TimeoutExpired) as e:
            return "chromium failed: %s" % e
    if done.returncode != 0 or not os.path.isfile(temporary) or os.path.getsize(temporary) == 0:
        if os.path.exists(temporary):
            os.remove(temporary)
        return "chromium printed no PDF (exit %d): %s" % (done.returncode,
                                                         done.stdout.strip()[-500:])
    os.replace(temporary, pdf)
    return None


if __name__ == "__main__":
    sys.exit(main())
