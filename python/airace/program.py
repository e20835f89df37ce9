"""The airace program, run from Python: airace.run, airace.compare, airace.sweep and
airace.analyse call its subcommands and return what they wrote, opened.

The program is found through, in order: the AIRACE_BIN environment variable, `airace` on the
PATH, and build/release/airace of the source tree this package comes from or of the current
folder or one above it. Bad input (a scenario airace refuses, a missing file) raises
AiraceError with airace's own message.
"""

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping

from .errors import AiraceError
from .results import Results
from .results import open as open_file

BUILT = os.path.join("build", "release", "airace")


def _executable(path):
    return os.path.isfile(path) and os.access(path, os.X_OK)


def find_program():
    """The path of the airace program; AiraceError, listing where it looked, when none."""
    chosen = os.environ.get("AIRACE_BIN")
    if chosen:
        if not _executable(chosen):
            raise AiraceError("AIRACE_BIN=%s: no executable file there; expected the path of "
                              "the airace program (e.g. build/release/airace)" % chosen)
        return chosen
    on_path = shutil.which("airace")
    if on_path:
        return on_path
    tried = []
    source_tree = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    folders = [source_tree]
    here = os.getcwd()
    while True:
        folders.append(here)
        up = os.path.dirname(here)
        if up == here:
            break
        here = up
    for folder in folders:
        candidate = os.path.join(folder, BUILT)
        if candidate in tried:
            continue
        tried.append(candidate)
        if _executable(candidate):
            return candidate
    raise AiraceError("no airace program found: AIRACE_BIN is not set, no 'airace' on the PATH, "
                      "and none of %s exists. Build it (cmake --preset release && cmake --build "
                      "build/release) or set AIRACE_BIN to its path" % ", ".join(tried[:3]))


def _call(subcommand, args, quiet=True):
    """Runs `airace SUBCOMMAND ARGS...`; its standard output when quiet, else shown as it
    runs. AiraceError with airace's message when it fails."""
    command = [find_program(), subcommand] + [os.fspath(a) for a in args]
    if quiet:
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            message = (done.stderr.strip() or done.stdout.strip() or
                       "exit status %d" % done.returncode)
            raise AiraceError("airace %s failed (exit status %d):\n%s"
                              % (subcommand, done.returncode, message))
        return done.stdout
    done = subprocess.run(command)
    if done.returncode != 0:
        raise AiraceError("airace %s failed (exit status %d); its message is above"
                          % (subcommand, done.returncode))
    return ""


def _set_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _overrides(values):
    """--set arguments from {key: value} or ["key=value", ...]."""
    if values is None:
        return []
    if isinstance(values, Mapping):
        pairs = ["%s=%s" % (k, _set_value(v)) for k, v in values.items()]
    elif isinstance(values, str):
        raise AiraceError("set=%r: expected a dict {key: value} or a list of 'key=value'"
                          % values)
    else:
        pairs = list(values)
    out = []
    for pair in pairs:
        out += ["--set", pair]
    return out


def _path_of(file):
    return file.path if isinstance(file, Results) else os.fspath(file)


def _temporary_output(stem):
    folder = tempfile.TemporaryDirectory(prefix="airace-")
    return folder, os.path.join(folder.name, stem + ".h5")


def _write_and_open(subcommand, args, input_file, out, quiet):
    """Runs a subcommand that writes one file (`--output out`; out None: a temporary file named
    after `input_file`, read into memory and removed when the result is closed or dropped) and
    returns that file, opened."""
    keep = None
    if out is None:
        keep, out = _temporary_output(os.path.splitext(os.path.basename(input_file))[0])
    args = args + ["--output", out] + (["--quiet"] if quiet else [])
    try:
        _call(subcommand, args, quiet)
        results = open_file(out, load=keep is not None)
    except BaseException:
        if keep is not None:
            keep.cleanup()
        raise
    results._keep = keep
    return results


def run(scenario="scenarios/baseline.yaml", set=None, replicates=None, seed=None,  # noqa: A002
        out=None, threads=None, quiet=True, groups=None, series=None):
    """Runs `airace run` and returns its results, opened (see airace.open).

    scenario    the scenario file (YAML)
    set         values to override: {"labs.deepseek.efficiency_growth_per_year": 4, ...}
    replicates  number of replicates (default: the scenario's run.replicates)
    seed        random seed (default: the scenario's run.seed)
    out         the HDF5 file to write; None: a temporary file, read into memory and removed
                when the Results are closed or dropped
    threads     most threads to use (default: all cores)
    quiet       False shows airace's progress and summary as it runs
    groups      write only these groups' series and events, e.g. ["indicators"]
    series      write only these series (and those of `groups`), e.g. ["labs/capability"]
    """
    args = [scenario] + _overrides(set)
    for option, names in (("--groups", groups), ("--series", series)):
        if names is not None:
            args += [option, names if isinstance(names, str) else ",".join(names)]
    if replicates is not None:
        args += ["--replicates", str(int(replicates))]
    if seed is not None:
        args += ["--seed", str(seed)]
    if threads is not None:
        args += ["--threads", str(int(threads))]
    return _write_and_open("run", args, scenario, out, quiet)


def sweep(sweep_file, out=None, shard=None, threads=None, quiet=True):
    """Runs `airace sweep` (docs/sweeps.md) and returns the sweep file, opened: `design`
    (the root group), `metrics`, `runs`, `meta`, `series/<group>` and, once analysed,
    `sensitivity/<metric>`. `out` None: a temporary file, as in airace.run; `shard` "I/N" runs one slice."""
    args = [sweep_file]
    if shard is not None:
        args += ["--shard", str(shard)]
    if threads is not None:
        args += ["--threads", str(int(threads))]
    return _write_and_open("sweep", args, sweep_file, out, quiet)


def _csv_frame(args_before_csv, subcommand, **read):
    import pandas as pd

    with tempfile.TemporaryDirectory(prefix="airace-") as folder:
        csv = os.path.join(folder, subcommand + ".csv")
        _call(subcommand, args_before_csv + ["--csv", csv])
        return pd.read_csv(csv, **read)


def compare(base, whatif, at=None, series=None, all=False):  # noqa: A002
    """Runs `airace compare` and returns its rows as a pandas DataFrame: one row per series,
    entity and date, with the columns series, entity, date, base_median, whatif_median,
    difference_median, difference_p05, difference_p95, ratio, beyond_noise, units, pairing
    (docs/scenarios.md, "Comparing two runs").

    base, whatif  run files (paths or the Results of airace.run / airace.open)
    at            dates to compare at ("2025-12-31" or "2025-12", or a list)
    series        series to compare ("indicators/compute_h100e" or a list); default: every
                  series of /indicators
    all           compare every series of every group
    """
    args = [_path_of(base), _path_of(whatif)]
    for option, values in (("--at", at), ("--series", series)):
        if values is not None:
            args += [option, values if isinstance(values, str) else ",".join(values)]
    if all:
        args.append("--all")
    numbers = ["base_median", "whatif_median", "difference_median", "difference_p05",
               "difference_p95", "ratio"]
    return _csv_frame(args, "compare", parse_dates=["date"], keep_default_na=False,
                      na_values={n: [""] for n in numbers})


def analyse(sweep_file, resamples=None, confidence=None, seed=None):
    """Runs `airace analyse` on a whole saltelli sweep file (it adds /sensitivity to the file)
    and returns the Sobol indices as a pandas DataFrame: metric, parameter, first_order,
    first_order_low, first_order_high, total, total_low, total_high (second-order indices are in
    the file only). For a morris sweep the columns are metric, parameter, mu_star, mu_star_low,
    mu_star_high, mu, sigma. Given the Results of
    airace.sweep or airace.open, it reads them into memory first and closes the file."""
    if isinstance(sweep_file, Results):
        sweep_file.detach()  # HDF5 refuses to write a file that is open
    args = [_path_of(sweep_file)]
    for option, value in (("--resamples", resamples), ("--confidence", confidence),
                          ("--seed", seed)):
        if value is not None:
            args += [option, str(value)]
    return _csv_frame(args, "analyse")

