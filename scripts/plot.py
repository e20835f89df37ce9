#!/usr/bin/env python3
"""Draws PNG charts of an airace run file.

    python3 scripts/plot.py RUN.h5 [-o OUTDIR] [--all]

One chart per headline indicator (every series in /indicators), and overview.png with all of
them; with firms (/markets), markets.png: the index, Nvidia, and the AI build-out's firms vs
those with a smaller AI stake (firms whose compute loading is at least 0.2 against the others
with an AI loading), each as a market capitalisation in USD; --all adds every series of every other group (labs, chips, ...). Each chart shows the
median over replicates with a shaded 5-95% band, one colour per entity for per-entity series.
Charts go to OUTDIR, by default <run-file-stem>_plots/ next to the run file. Exits 2, naming the
file and what is wrong, when it is missing, not a file, damaged or not an airace run file; it
then draws nothing.

Needs h5py, numpy and matplotlib: Debian's python3-h5py and python3-matplotlib, which
`bash scripts/setup.sh` installs. Launched with another python3 that lacks them (a pyenv or
virtualenv one), the script runs itself again with /usr/bin/python3.
"""

import argparse
import datetime
import os
import sys
import textwrap
import warnings

SYSTEM_PYTHON = "/usr/bin/python3"
REEXEC_MARK = "AIRACE_PLOT_REEXEC"  # set in the re-run, so that it never loops
PACKAGES = {"h5py": "python3-h5py", "numpy": "python3-numpy",
            "matplotlib": "python3-matplotlib"}


def missing_modules():
    missing = []
    for module in PACKAGES:
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    return missing


def ensure_dependencies(script=None):
    """Re-runs `script` (default: this file) with /usr/bin/python3 when this interpreter lacks
    h5py, numpy or matplotlib; exits 2 saying what to install when that one lacks them too."""
    script = os.path.abspath(script or __file__)
    name = os.path.basename(script)
    missing = missing_modules()
    if not missing:
        return
    here = os.path.realpath(sys.executable) if sys.executable else ""
    # A virtual environment's python is a link to /usr/bin/python3 that sees other packages.
    in_venv = sys.prefix != sys.base_prefix
    if (os.environ.get(REEXEC_MARK) != "1" and os.access(SYSTEM_PYTHON, os.X_OK)
            and (in_venv or os.path.realpath(SYSTEM_PYTHON) != here)):
        os.environ[REEXEC_MARK] = "1"
        os.execv(SYSTEM_PYTHON, [SYSTEM_PYTHON, script] + sys.argv[1:])
    packages = " ".join(PACKAGES[m] for m in missing)
    print("%s: %s cannot import %s.\n"
          "Install the Debian packages %s (`bash scripts/setup.sh` installs them),\n"
          "then run: %s %s"
          % (name, sys.executable or "python3", ", ".join(missing), packages, SYSTEM_PYTHON,
             " ".join(["scripts/" + name] + sys.argv[1:])), file=sys.stderr)
    sys.exit(2)


# The checks that a file is intact (HDF5 crashes and loops on damaged files, the SHA-256 of
# /meta) live in the airace package (python/airace/integrity.py); report.py, plot_sobol.py and
# calibration.py reach them through this module. Taken from this source tree, whatever airace
# package a virtual environment may hold.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "python"))
from airace.integrity import hdf5_failure, meta_checksum_failure, text  # noqa: E402,F401


class Series:
    """One series read from the file: values [replicate, time(, entity)] and what labels them."""

    def __init__(self, f, path):
        import numpy as np

        ds = f[path]
        self.path = path
        self.group, self.name = path.split("/", 1)
        self.stem = self.name  # the chart's file name, without the group
        self.units = text(ds.attrs.get("units", ""))
        self.description = text(ds.attrs.get("description", "")) or path
        self.cadence = text(ds.attrs.get("cadence", ""))
        self.values = np.asarray(ds[()], dtype=float)
        axis = "time/" + self.cadence
        if axis not in f:
            raise ValueError("its cadence %r has no /%s time axis" % (self.cadence, axis))
        self.dates = [datetime.date.fromisoformat(d) for d in f[axis].asstr()[()]]
        if self.values.ndim < 2 or self.values.shape[1] != len(self.dates):
            raise ValueError("shape %s does not match [replicate, %d times, entity...]"
                             % (self.values.shape, len(self.dates)))
        # The ids of each entity axis: the last scale attached is the group's own copy.
        self.axes = []
        for d in range(2, self.values.ndim):
            dim = ds.dims[d]
            self.axes.append(list(dim[len(dim) - 1].asstr()[()]) if len(dim)
                             else [str(i) for i in range(self.values.shape[d])])
        self.entities = None
        if self.values.ndim >= 3:
            # One line per combination of the entity axes ("lab/chip"), last axis fastest.
            import itertools

            self.entities = ["/".join(c) for c in itertools.product(*self.axes)]
            self.values = self.values.reshape(self.values.shape[:2] + (-1,))

    def split(self):
        """For a series over several entity axes: one Series per id of the first axis, with a
        line per combination of the others (a chart per lab, a line per chip type)."""
        import copy

        if len(self.axes) < 2:
            return [self]
        first, rest = self.axes[0], len(self.entities) // max(1, len(self.axes[0]))
        parts = []
        for k, entity in enumerate(first):
            part = copy.copy(self)
            part.stem = "%s_%s" % (self.stem, entity)
            part.description = "%s: %s" % (self.description, entity)
            part.values = self.values[:, :, k * rest:(k + 1) * rest]
            part.entities = [e.split("/", 1)[1] for e in self.entities[k * rest:(k + 1) * rest]]
            part.axes = self.axes[1:]
            parts.append(part)
        return parts

    @property
    def replicates(self):
        return self.values.shape[0]

    def ylabel(self):
        return "%s [%s]" % (self.name, self.units) if self.units else self.name


def series_paths(f, groups):
    """group/name of every series (a dataset with a cadence attribute) in the given groups."""
    import h5py

    paths = []
    for group in groups:
        if group not in f or not isinstance(f[group], h5py.Group):
            continue
        for name, obj in f[group].items():
            if isinstance(obj, h5py.Dataset) and "cadence" in obj.attrs:
                paths.append(group + "/" + name)
    return paths


def wants_log(median, low, units):
    """Whether a series reads best on a log scale: nothing in its band below 0, not a fraction,
    and its positive medians spanning more than three orders of magnitude. Zeros do not count:
    a quantity that is 0 until something starts (tokens before the first model, smuggled chips
    before the first rule) and then grows a thousandfold is growth, not a flat line at 0 and a
    spike at the end (its zeros are left off the log axis). The medians decide, not the band,
    whose 5th percentile of a small count can be a sliver above 0."""
    import numpy as np

    median = np.asarray(median, dtype=float)
    low = np.asarray(low, dtype=float)
    median, low = median[np.isfinite(median)], low[np.isfinite(low)]
    positive = median[median > 0]
    return bool(positive.size and units != "fraction" and median.min() >= 0
                and (not low.size or low.min() >= 0) and positive.max() / positive.min() > 1e3)


def draw(ax, s, compact=False):
    """Median and 5-95% band over replicates on ax; one colour per entity."""
    import numpy as np

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices: nothing to draw there
        low, median, high = np.nanpercentile(s.values, [5, 50, 95], axis=0)
    if s.entities is None:
        low, median, high = low[:, None], median[:, None], high[:, None]
        labels = [None]
    else:
        labels = s.entities
    if len(labels) > 10:  # the default cycle repeats after 10 colours
        import matplotlib.pyplot as plt

        ax.set_prop_cycle(color=plt.get_cmap("tab20").colors)
    marker = "o" if len(s.dates) == 1 else None
    for e, label in enumerate(labels):
        line, = ax.plot(s.dates, median[:, e], label=label, marker=marker, linewidth=1.6)
        if s.replicates > 1:
            ax.fill_between(s.dates, low[:, e], high[:, e], color=line.get_color(), alpha=0.2,
                            linewidth=0)
    if wants_log(median, low, s.units):
        ax.set_yscale("log")  # exponential growth (compute, FLOP) reads best on a log scale
        # Six decades: a band's first months (a few H100e, a handful of tokens) below them
        # would take the axis's labels to a millionth of its unit.
        bottom, top = ax.get_ylim()
        ax.set_ylim(max(bottom, top / 1e6), top)
    ax.set_ylabel(s.ylabel())
    width = 45 if compact else 80
    ax.set_title("\n".join(textwrap.wrap(s.description, width)), fontsize=9 if compact else 11)
    ax.grid(True, alpha=0.3)
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    if s.entities is not None and s.entities:
        ax.legend(fontsize=7 if compact else 8, ncol=1 if len(s.entities) <= 12 else 2,
                  loc="best", framealpha=0.7)
    band = "median, 5-95%% over %d replicates" % s.replicates if s.replicates > 1 else (
        "%d replicate" % s.replicates)
    ax.text(0.01, 0.01, band, transform=ax.transAxes, fontsize=7, color="0.4",
            va="bottom", ha="left")


HARDWARE_COMPUTE_LOADING = 0.2  # a firm at least this exposed to compute demand is the build-out's


def market_panels(f, path_prefix="markets"):
    """The market panels' series, read from an open file: the index, Nvidia (or the largest firm
    when there is none) and the summed value of the AI build-out's firms and of those with a smaller
    AI stake. Empty without /markets/market_cap_usd."""
    import copy

    import numpy as np

    g = f.get(path_prefix)
    if g is None or "market_cap_usd" not in g:
        return []
    caps = Series(f, path_prefix + "/market_cap_usd")
    panels = []
    if "index_usd" in g:
        panels.append(Series(f, path_prefix + "/index_usd"))
    ids = caps.axes[0]
    firm = "nvidia" if "nvidia" in ids else ids[int(np.argmax(caps.values[0, 0, :]))]
    k = ids.index(firm)
    one = copy.copy(caps)
    one.values = caps.values[:, :, k:k + 1]
    one.entities = [firm]
    one.stem = "market_cap_usd_" + firm
    one.description = "market capitalisation of %s" % firm
    panels.append(one)
    if "firm_compute_exposure" in g and "firm_margins_exposure" in g:
        compute = np.asarray(g["firm_compute_exposure"][()], dtype=float)
        margins = np.asarray(g["firm_margins_exposure"][()], dtype=float)
        hardware = compute >= HARDWARE_COMPUTE_LOADING
        platform = ~hardware & ((compute != 0) | (margins != 0))
        if hardware.any() and platform.any():
            both = copy.copy(caps)
            # a firm not yet listed has no value (NaN): it adds nothing to its group
            both.values = np.stack([np.nansum(caps.values[:, :, hardware], axis=2),
                                    np.nansum(caps.values[:, :, platform], axis=2)], axis=2)
            both.entities = ["AI build-out (%d firms)" % hardware.sum(),
                             "smaller AI stake (%d firms)" % platform.sum()]
            both.stem = "hardware_vs_platforms"
            both.description = ("the AI build-out's firms (compute loading >= %g: chips, foundries, "
                                "equipment, memory, power) vs those with a smaller AI stake "
                                "(platforms, clouds, devices), summed market capitalisation"
                                % HARDWARE_COMPUTE_LOADING)
            panels.append(both)
    return panels


def safety_panels(f):
    """The safety panels' series (docs/model.md §3.3.8), read from an open file: the US-China
    gap, incidents by severity (summed over countries) and the labs' safety effort against their
    no-race effort (mean over the labs with one). Empty without /safety."""
    import copy

    import numpy as np

    g = f.get("safety")
    if g is None or "incidents" not in g or "us_cn_gap_log10" not in g:
        return []
    panels = [Series(f, "safety/us_cn_gap_log10")]
    incidents = Series(f, "safety/incidents")
    severities = incidents.axes[1]
    by_severity = copy.copy(incidents)
    by_severity.values = incidents.values.reshape(
        incidents.values.shape[:2] + (len(incidents.axes[0]), len(severities))).sum(axis=2)
    by_severity.entities = list(severities)
    by_severity.stem = "incidents_by_severity"
    by_severity.description = "incidents since the start, all countries"
    panels.append(by_severity)
    if "effort" in g and "no_race_effort" in g:
        effort, no_race = Series(f, "safety/effort"), Series(f, "safety/no_race_effort")
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(no_race.values > 0, effort.values / no_race.values, np.nan)
        mean = copy.copy(effort)
        mean.values = np.nanmean(np.where(np.isfinite(ratio), ratio, np.nan), axis=2,
                                 keepdims=True)
        mean.entities = ["mean over labs"]
        mean.units = "x"
        mean.name = mean.stem = "effort_vs_no_race"
        mean.description = "safety effort against the no-race effort (1: no race pressure)"
        panels.append(mean)
    return panels


def plot_panels(panels, outdir, title, name):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 3.6 * len(panels)), squeeze=False,
                             layout="constrained")
    for ax, s in zip(axes.flat, panels):
        draw(ax, s, compact=True)
    fig.suptitle(title)
    path = os.path.join(outdir, name + ".png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_one(s, outdir):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 5), layout="constrained")
    draw(ax, s)
    path = os.path.join(outdir, "%s_%s.png" % (s.group, s.stem))
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_overview(series, outdir, title):
    import matplotlib.pyplot as plt

    columns = 1 if len(series) == 1 else 2
    rows = (len(series) + columns - 1) // columns
    fig, axes = plt.subplots(rows, columns, figsize=(7 * columns, 3.8 * rows), squeeze=False,
                             layout="constrained")
    for ax, s in zip(axes.flat, series):
        draw(ax, s, compact=True)
    for ax in list(axes.flat)[len(series):]:
        ax.set_visible(False)
    fig.suptitle(title)
    path = os.path.join(outdir, "overview.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main():
    parser = argparse.ArgumentParser(
        description="Draw PNG charts of an airace run file: median and 5-95% band over "
                    "replicates, one chart per indicator, plus overview.png.")
    parser.add_argument("run_file", help="an airace run file (.h5)")
    parser.add_argument("-o", "--outdir",
                        help="where to write the charts (default: <run-file-stem>_plots/ next "
                             "to the run file)")
    parser.add_argument("--all", action="store_true",
                        help="also chart every series of every other group (labs, ...)")
    args = parser.parse_args()

    ensure_dependencies()
    import h5py
    import matplotlib

    matplotlib.use("Agg")  # files only: no display needed, none used

    run_file = args.run_file
    if not os.path.exists(run_file):
        print("plot.py: %s: no such file" % run_file, file=sys.stderr)
        return 2
    if not os.path.isfile(run_file):
        print("plot.py: %s: not a file (a directory?); expected an airace run file" % run_file,
              file=sys.stderr)
        return 2
    if not h5py.is_hdf5(run_file):
        print("plot.py: %s: not an HDF5 file (an airace run file is written by 'airace run')"
              % run_file, file=sys.stderr)
        return 2
    failure = hdf5_failure(run_file)
    if failure:
        print("plot.py: %s: the file is damaged: %s" % (run_file, failure), file=sys.stderr)
        return 2
    try:
        f = h5py.File(run_file, "r")
    except OSError as e:
        print("plot.py: %s: cannot open it: %s" % (run_file, e), file=sys.stderr)
        return 2

    # Everything is read before anything is drawn, so that a damaged file leaves no charts.
    try:
        with f:
            found = read_series(f, run_file, args.all)
    except RunFileError as e:
        print("plot.py: %s: %s" % (run_file, e), file=sys.stderr)
        return 2
    except (OSError, KeyError, ValueError, TypeError, IndexError, RuntimeError,
            MemoryError) as e:
        print("plot.py: %s: cannot read it, the file is damaged or was not written by airace: %s"
              % (run_file, e or type(e).__name__), file=sys.stderr)
        return 2
    if isinstance(found, int):
        return found
    scenario, series, markets, safety = found

    outdir = args.outdir or os.path.join(
        os.path.dirname(os.path.abspath(run_file)),
        os.path.splitext(os.path.basename(run_file))[0] + "_plots")
    os.makedirs(outdir, exist_ok=True)
    written, indicators = [], []
    for s in series:
        for part in s.split():
            written.append(plot_one(part, outdir))
        if s.group == "indicators" and len(s.axes) < 2:
            indicators.append(s)
    if indicators:
        written.append(plot_overview(indicators, outdir, "%s: headline indicators" % scenario))
    if markets:
        written.append(plot_panels(markets, outdir, "%s: markets" % scenario, "markets"))
    if safety:
        written.append(plot_panels(safety, outdir, "%s: racing and restraint" % scenario,
                                   "safety"))

    for path in written:
        print(path)
    if not written:
        print("plot.py: %s: nothing to plot" % run_file, file=sys.stderr)
        return 1
    return 0


class RunFileError(Exception):
    """A file that is no airace run file; the message says why."""


def read_series(f, run_file, every_group):
    """(scenario name, [Series], market panels, safety panels) of an open run file, or an exit
    status after saying why there is nothing to plot. Raises RunFileError for a file that airace
    did not write."""
    import h5py

    meta = f.get("meta")
    if not isinstance(meta, h5py.Group) or "program_version" not in meta.attrs:
        raise RunFileError("not an airace run file (it has no /meta/program_version attribute)")
    failure = meta_checksum_failure(meta)
    if failure:
        raise RunFileError("the file is damaged: " + failure)
    groups = ["indicators"]
    if every_group:
        groups += [g for g in f if g not in ("indicators", "meta", "time")]
    paths = series_paths(f, groups)
    if not paths:
        hint = "" if every_group else "; --all charts the series of every group"
        print("plot.py: %s: no series in %s%s" % (run_file, ", ".join("/" + g for g in groups),
                                                    hint), file=sys.stderr)
        return 1
    scenario = text(meta.attrs.get("scenario_name", "")) or os.path.basename(run_file)
    series = []
    for path in paths:
        try:
            s = Series(f, path)
        except ValueError as e:  # a series laid out otherwise: skip it, chart the rest
            print("plot.py: skipping %s: %s" % (path, e), file=sys.stderr)
            continue
        if s.replicates == 0 or s.values.shape[1] == 0 or (
                s.entities is not None and not s.entities):
            print("plot.py: skipping %s: it holds no values (shape %s)"
                  % (path, s.values.shape), file=sys.stderr)
            continue
        series.append(s)
    try:
        markets = market_panels(f)
    except ValueError as e:  # laid out otherwise: the other charts still come
        print("plot.py: skipping the market panels: %s" % e, file=sys.stderr)
        markets = []
    try:
        safety = safety_panels(f)
    except (ValueError, IndexError) as e:  # laid out otherwise: the other charts still come
        print("plot.py: skipping the safety panels: %s" % e, file=sys.stderr)
        safety = []
    return scenario, series, markets, safety


if __name__ == "__main__":
    sys.exit(main())
