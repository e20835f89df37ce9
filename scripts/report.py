#!/usr/bin/env python3
"""Writes a self-contained HTML report of an airace run file, or of a base run and a what-if.

    python3 scripts/report.py RUN.h5 [WHATIF.h5] [-o REPORT.html]

The report is one HTML file with its charts embedded as PNG and its style inline, so it opens
in a browser from disk, with no server and nothing fetched. It holds: what was run (/meta);
one chart per headline indicator (every series of /indicators: median and 5-95% band over
replicates, a line per entity, small multiples for series over two entity axes), with the
frontier model releases (/releases) marked on the capability and gap charts; adoption and
markets (the adoption indicators, the market index and Nvidia's capitalisation, release days
marked) when the run has them; and the resolved scenario text. Given a second file, it adds
"What-if differences": for each headline indicator both medians on one chart and the median
difference what-if minus base with a 90% band over replicates, paired by replicate when both
files have the same seed and number of replicates, else over all pairs of replicates.

Default output: <RUN-stem>_report.html, or <RUN-stem>_vs_<WHATIF-stem>.html, next to RUN.
Exits 2, naming the file, when a file is missing, unreadable, or not an airace run file.

Needs Debian's python3-h5py, python3-numpy and python3-matplotlib (`bash scripts/setup.sh`);
launched with a python3 that lacks them, it runs itself again with /usr/bin/python3.
"""

import argparse
import base64
import copy
import datetime
import html
import io
import os
import re
import sys
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


def fixed_margins(fig, rows, columns, suptitle=False):
    """Margins in inches, set once: matplotlib's constrained layout would measure every tick
    label of every panel and take most of the report's time."""
    width, height = fig.get_size_inches()
    left, right, bottom, top = 0.9, 0.2, 0.45, 0.5 + (0.35 if suptitle else 0)
    gap_x, gap_y = 1.0, 0.75  # room for the next panel's y label and this one's title
    panel_w = (width - left - right - gap_x * (columns - 1)) / columns
    panel_h = (height - top - bottom - gap_y * (rows - 1)) / rows
    fig.subplots_adjust(left=left / width, right=1 - right / width, bottom=bottom / height,
                        top=1 - top / height, wspace=gap_x / panel_w, hspace=gap_y / panel_h)


def has_values(values):
    """Whether a series holds anything worth a panel: a finite value other than zero."""
    import numpy as np

    return bool(np.any(np.isfinite(values) & (values != 0)))


def png_base64(fig):
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=CHART_DPI)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


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
        plot.draw(ax, parts[0])
        axes = [ax]
    else:
        columns = 3 if len(parts) > 4 else 2
        rows = (len(parts) + columns - 1) // columns
        fig, grid = plt.subplots(rows, columns, figsize=(4.7 * columns, 3.2 * rows),
                                 squeeze=False, sharex=True)
        fixed_margins(fig, rows, columns, suptitle=True)
        axes = list(grid.flat)
        for ax, part in zip(axes, parts):
            plot.draw(ax, part, compact=True)
            ax.set_title(part.description.rsplit(": ", 1)[-1], fontsize=10)
        for ax in axes[len(parts):]:
            ax.set_visible(False)
        axes = axes[:len(parts)]
        fig.suptitle(s.description, fontsize=11)
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
    (every pair up to MAX_PAIRS, else a fixed random sample of them)."""
    import numpy as np

    if paired:
        return w.values - b.values
    rb, rw = b.values.shape[0], w.values.shape[0]
    if rb * rw <= MAX_PAIRS:
        i, j = np.meshgrid(np.arange(rb), np.arange(rw), indexing="ij")
        i, j = i.ravel(), j.ravel()
    else:
        rng = np.random.default_rng(0)
        i, j = rng.integers(0, rb, MAX_PAIRS), rng.integers(0, rw, MAX_PAIRS)
    return w.values[j] - b.values[i]


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
    ax.set_title("base (solid) and what-if (dashed): median, 5-95%", fontsize=9)
    ax.grid(True, alpha=0.3)
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.legend(fontsize=7, ncol=1 if len(entities) <= 5 else 2, loc="best", framealpha=0.7)


def difference_chart(base, whatif, paired):
    """Left: both medians; right: median difference what-if - base and its 90% band."""
    import matplotlib.pyplot as plt

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
    fixed_margins(fig, len(pairs), 2, suptitle=True)
    rows = []
    for (b, w), (left, right) in zip(pairs, grid):
        # Entities empty in both runs (countries without labs) only crowd the legend.
        if b.entities is not None:
            keep = [k for k in range(len(b.entities)) if has_values(b.values[:, :, k])
                    or has_values(w.values[:, :, k])]
            if keep and len(keep) < len(b.entities):
                b, w = copy.copy(b), copy.copy(w)
                b.entities = w.entities = [b.entities[k] for k in keep]
                b.values, w.values = b.values[:, :, keep], w.values[:, :, keep]
        draw_both(left, b, w)
        d = copy.copy(b)
        d.values = differences(b, w, paired)
        d.description = "what-if - base: median and 90% band (" + (
            "paired by replicate" if paired else "unpaired, over pairs of replicates") + ")"
        plot.draw(right, d, compact=True)
        right.texts[-1].set_text("")  # draw()'s "over N replicates" would count pairs
        right.axhline(0, color="0.2", linewidth=0.8)
        right.set_yscale("linear")  # differences change sign: never a log scale
        for ax in (left, right):
            ax.yaxis.label.set_fontsize(8)  # long names with units must fit the margin
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
                         median[last, k], low[last, k], high[last, k]))
    fig.suptitle(base.description, fontsize=11)
    return png_base64(fig), rows


# ---------------------------------------------------------------------------------------------
# HTML

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto;
       max-width: 1180px; padding: 0 1.2em 3em; color: #1c1c1c; line-height: 1.45; }
h1 { margin-top: 1.2em; } h2 { border-bottom: 2px solid #ddd; padding-bottom: .2em;
       margin-top: 2em; }
table { border-collapse: collapse; margin: .6em 0; font-size: .92em; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1.2em 0; } figure img { max-width: 100%; height: auto;
       border: 1px solid #eee; }
figcaption { font-size: .88em; color: #444; }
tr.beyond td { background: #fff4d6; }
details pre { background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: .85em; }
nav ul { columns: 2; } .note { color: #555; font-size: .92em; }
.headline { font-size: 1.08em; border-left: 4px solid #1f77b4; padding: .3em .8em; background: #f4f8fc; }
"""


def esc(value):
    return html.escape(str(value), quote=True)


def number(x):
    import math

    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    x = float(x)
    if x != 0 and (abs(x) >= 1e5 or abs(x) < 1e-3):
        return "%.3g" % x
    return "%.4g" % x


def figure(series_id, src, title, caption=""):
    return ('<figure id="%s"><img data-series="%s" alt="%s" src="data:image/png;base64,%s">'
            "<figcaption>%s</figcaption></figure>"
            % (esc(series_id.replace("/", "-")), esc(series_id), esc(title), src,
               caption or esc(title)))


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


def indicator_figure(s, releases, release_note):
    marked = s.name in RELEASE_MARKED and releases
    src = series_chart(s, releases if marked else None)
    caption = "<b>%s</b> (<code>/%s</code>%s). Median and 5-95%% band over %d replicates." % (
        esc(s.description), esc(s.path), ", " + esc(s.units) if s.units else "", s.replicates)
    if marked:
        caption += " " + esc(release_note)
    return figure(s.path, src, s.description, caption)


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
    headline = [s for s in base.indicators if s.name not in ADOPTION_INDICATORS]
    sections = []

    sections.append('<section id="run"><h2>The run</h2>%s%s</section>' % (
        meta_table(base, "Base" if whatif is not None else None),
        meta_table(whatif, "What-if") if whatif is not None else ""))

    body = "".join(indicator_figure(s, releases, release_note) for s in headline)
    sections.append('<section id="headline"><h2>Headline indicators</h2><p class="note">'
                    "Every series of <code>/indicators</code>: the median over replicates "
                    "(line) and the 5-95%% band (shade), one colour per entity.</p>%s</section>"
                    % body)

    if adoption or base.markets:
        parts = [indicator_figure(s, releases, release_note) for s in adoption]
        for s in base.markets:
            src = series_chart(s, releases)
            caption = ("<b>%s</b> (<code>/%s</code>, %s), on trading days. Median and 5-95%% "
                       "band over %d replicates. %s" % (esc(s.description), esc(s.path),
                                                        esc(s.units), s.replicates,
                                                        esc(release_note)))
            parts.append(figure(s.path if s.stem == s.name else "markets/" + s.stem, src,
                                s.description, caption))
        sections.append('<section id="adoption-markets"><h2>Adoption and markets</h2>%s'
                        "</section>" % "".join(parts))

    if whatif is not None:
        sections.append(whatif_section(base, whatif))

    sections.append('<section id="scenario"><h2>Scenario</h2><details><summary>The resolved '
                    "scenario of %s (after <code>extends:</code> and <code>--set</code>)"
                    "</summary><pre id=\"scenario-yaml\">%s</pre></details>%s</section>"
                    % (esc(base.name), esc(base.scenario_yaml),
                       "" if whatif is None else
                       "<details><summary>The resolved scenario of the what-if, %s</summary>"
                       '<pre id="whatif-scenario-yaml">%s</pre></details>'
                       % (esc(whatif.name), esc(whatif.scenario_yaml))))

    nav = "".join('<li><a href="#%s">%s</a></li>' % (esc(s.path.replace("/", "-")),
                                                       esc(s.name))
                  for s in headline + adoption)
    generated = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<title>%s</title><style>%s</style></head><body>"
            "<h1>%s</h1><p>%s. %s to %s, %s replicates, seed %s; airace %s. "
            "Report written %s by <code>scripts/report.py</code>.</p>"
            "<nav><ul>%s%s</ul></nav>%s</body></html>\n"
            % (esc(title), STYLE, esc(title), esc(base.scenario.get("description", "")
                                                  or base.name),
               esc(first), esc(last), esc(base.replicates), esc(base.seed),
               esc(base.meta.get("program_version", "?")), esc(generated), nav,
               '<li><a href="#whatif">What-if differences</a></li>' if whatif else "",
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


def whatif_section(base, whatif):
    paired = (base.seed != "" and base.seed == whatif.seed and base.replicates != ""
              and base.replicates == whatif.replicates)
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
    for s in base.indicators:
        if s.path not in w_by_path:
            missing.append(s.path)
            continue
        try:
            src, rows = difference_chart(s, w_by_path[s.path], paired)
        except ValueError as e:
            missing.append("%s (%s)" % (s.path, e))
            continue
        figures.append(figure("difference/" + s.path, src, s.description,
                              "<b>%s</b> (<code>/%s</code>%s): what-if - base."
                              % (esc(s.description), esc(s.path),
                                 ", " + esc(s.units) if s.units else "")))
        for label, day, bm, wm, dm, lo, hi in rows:
            beyond = lo > 0 or hi < 0
            table.append('<tr%s><td>%s</td><td>%s</td><td>%s</td><td class="num">%s</td>'
                         '<td class="num">%s</td><td class="num">%s</td>'
                         '<td class="num">[%s, %s]</td></tr>'
                         % (' class="beyond"' if beyond else "", esc(s.name), esc(label),
                            esc(day), number(bm), number(wm), number(dm), number(lo),
                            number(hi)))
    note = ""
    if missing:
        note = "<p class=\"note\">Not compared (absent from the what-if or nothing in " \
               "common): %s.</p>" % esc(", ".join(missing))
    common = "the dates the two runs share"
    names = ["%s (%s)" % (run.name, os.path.basename(run.path)) for run in (whatif, base)]
    return ('<section id="whatif"><h2>What-if differences</h2>%s<p>What-if <b>%s</b> minus '
            "base <b>%s</b>, on %s. %s</p>%s<h3>At the last common date</h3><p class=\"note\">"
            "Highlighted rows: the 90%% band of the difference excludes zero.</p><table><tr>"
            "<th>indicator</th><th>entity</th><th>date</th><th>base median</th><th>what-if "
            "median</th><th>difference median</th><th>90%% band</th></tr>%s</table>%s"
            "</section>" % (headline(base, whatif, paired), esc(names[0]), esc(names[1]),
                            common, how, note,
                            "".join(table), "".join(figures)))


def main():
    parser = argparse.ArgumentParser(
        description="Write a self-contained HTML report of an airace run file; given a "
                    "second (what-if) file, add the differences what-if - base.")
    parser.add_argument("run_file", help="an airace run file (.h5): the base")
    parser.add_argument("whatif_file", nargs="?", help="a second run file: the what-if")
    parser.add_argument("-o", "--output",
                        help="the HTML file to write (default: <run-stem>_report.html or "
                             "<run-stem>_vs_<whatif-stem>.html next to the run file)")
    args = parser.parse_args()

    plot.ensure_dependencies(__file__)
    import matplotlib

    matplotlib.use("Agg")  # files only: no display needed, none used

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
    return 0


if __name__ == "__main__":
    sys.exit(main())
