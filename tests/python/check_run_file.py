#!/usr/bin/env python3
"""Checks that an airace run file reads well from Python without custom code.

Usage: /usr/bin/python3 tests/python/check_run_file.py FILE.h5 [--xarray]

Checks the layout that output/h5_writer.hpp documents: /meta attributes and their SHA-256
(recomputed from the items of checksum_covers as docs/scenarios.md defines it), units on every
series, ISO dates on every time axis, the headline indicator; with --xarray, that every group
opens with xarray (h5netcdf engine) with real dimension names, never phony_dim_*.
Prints every problem found and exits 1 if there is any, 2 on a usage error, 0 when all is well.
"""

import argparse
import datetime
import hashlib
import sys

try:
    import h5py
    import numpy as np
except ImportError:
    sys.exit("check_run_file.py: h5py is missing from " + sys.executable +
             "; run it with /usr/bin/python3 (Debian package python3-h5py)")

META_STRINGS = ("program_version", "git_revision", "scenario_name", "scenario_file",
                "command_line", "created_utc")
META_INTEGERS = ("seed", "replicates")
HEADLINE = "indicators/us_cn_gap_months"


def is_iso_date(text):
    if not isinstance(text, str) or len(text) != 10:
        return False
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def series_datasets(f):
    """(path, dataset) of every series: a dataset with a `cadence` attribute."""
    found = []
    for group_name, group in f.items():
        if group_name in ("meta", "time") or not isinstance(group, h5py.Group):
            continue
        for name, obj in group.items():
            if isinstance(obj, h5py.Dataset) and "cadence" in obj.attrs:
                found.append((group_name + "/" + name, obj))
    return found


def check_meta(f, problems):
    if "meta" not in f:
        problems.append("no /meta group")
        return
    attrs = f["meta"].attrs
    for key in META_STRINGS:
        if key not in attrs:
            problems.append("/meta has no attribute " + key)
        elif not isinstance(attrs[key], str):
            problems.append("/meta attribute %s is %s, not str" % (key, type(attrs[key]).__name__))
    for key in META_INTEGERS:
        if key not in attrs:
            problems.append("/meta has no attribute " + key)
        elif not hasattr(attrs[key], "__index__"):
            problems.append("/meta attribute %s is %s, not an integer"
                            % (key, type(attrs[key]).__name__))
    if "scenario_yaml" not in f["meta"]:
        problems.append("no /meta/scenario_yaml dataset")


def sha256_of_meta(meta):
    """The digest docs/scenarios.md defines, recomputed here on its own (not with the scripts'
    code, so that the format is checked as a reader would follow the documentation)."""
    digest = hashlib.sha256()
    for item in meta.attrs["checksum_covers"]:
        kind, name = item.split(":", 1)
        value = meta.attrs[name] if kind == "attr" else meta[name][()]
        if isinstance(value, np.ndarray):
            value = "\n".join(str(v) for v in value)
        value = value if isinstance(value, bytes) else str(value).encode("utf-8")
        digest.update(b"%s\n%d\n%s\n" % (item.encode("utf-8"), len(value), value))
    return digest.hexdigest()


def check_checksum(f, problems):
    if "meta" not in f:
        return
    meta = f["meta"]
    for key in ("checksum_covers", "checksum_sha256"):
        if key not in meta.attrs:
            problems.append("/meta has no attribute " + key)
            return
    covers = list(meta.attrs["checksum_covers"])
    expected = (["attr:" + a for a in meta.attrs if not a.startswith("checksum_")]
                + ["dataset:" + d for d, ds in meta.items()
                   if isinstance(ds, h5py.Dataset) and ds.shape == () and ds.dtype.kind == "O"])
    if sorted(covers) != sorted(expected):
        problems.append("/meta checksum_covers lists %s, not every /meta attribute and text "
                        "dataset: %s" % (covers, expected))
    if covers[:1] != ["attr:program_version"] or "dataset:scenario_yaml" not in covers:
        problems.append("/meta checksum_covers lists %s, not the attributes in the order written "
                        "and then the scenario text" % covers)
    stored = meta.attrs["checksum_sha256"]
    if not isinstance(stored, str) or len(stored) != 64 or stored != stored.lower():
        problems.append("/meta checksum_sha256 is %r, not 64 lower-case hex digits" % stored)
    elif sha256_of_meta(meta) != stored:
        problems.append("/meta checksum_sha256 %s differs from the SHA-256 recomputed from the "
                        "items of checksum_covers, %s" % (stored, sha256_of_meta(meta)))


def check_time_axes(f, problems):
    if "time" not in f or not isinstance(f["time"], h5py.Group) or not len(f["time"]):
        problems.append("no time axes under /time")
        return
    for cadence, ds in f["time"].items():
        where = "/time/" + cadence
        if not isinstance(ds, h5py.Dataset) or ds.ndim != 1:
            problems.append(where + " is not a one-dimensional dataset")
            continue
        if ds.dtype.kind not in ("O", "S", "U"):
            problems.append(where + " holds %s, not date strings" % ds.dtype)
            continue
        dates = list(ds.asstr()[()])
        bad = [d for d in dates if not is_iso_date(d)]
        if bad:
            problems.append(where + " holds values that are not ISO dates (YYYY-MM-DD), e.g. %r"
                            % bad[0])
        elif dates != sorted(dates):
            problems.append(where + " is not in increasing order")


def check_series(f, problems):
    replicates = f["meta"].attrs.get("replicates") if "meta" in f else None
    series = series_datasets(f)
    if not series:
        problems.append("no series (datasets with a cadence attribute) in any group")
    for path, ds in series:
        units = ds.attrs.get("units")
        if not isinstance(units, str):
            problems.append("%s has no str units attribute (found %r)" % (path, units))
        elif not units:
            problems.append(path + " has empty units")
        if not isinstance(ds.attrs.get("description"), str):
            problems.append(path + " has no str description attribute")
        if ds.ndim < 2:
            problems.append("%s has %d dimensions, not [replicate, time, entity...]"
                            % (path, ds.ndim))
            continue
        if replicates is not None and ds.shape[0] != replicates:
            problems.append("%s has %d replicates where /meta says %d"
                            % (path, ds.shape[0], replicates))
        cadence = ds.attrs["cadence"]
        axis = "time/" + str(cadence)
        if axis not in f:
            problems.append("%s has cadence %r but there is no /%s" % (path, cadence, axis))
        elif f[axis].shape[0] != ds.shape[1]:
            problems.append("%s has %d times where /%s has %d"
                            % (path, ds.shape[1], axis, f[axis].shape[0]))
        for i, dim in enumerate(ds.dims):
            if len(dim) == 0:
                problems.append("%s dimension %d has no dimension scale attached" % (path, i))
            elif dim[len(dim) - 1].shape[0] != ds.shape[i]:
                problems.append("%s dimension %d has %d values but its scale has %d"
                                % (path, i, ds.shape[i], dim[len(dim) - 1].shape[0]))
    # Entity attributes (datasets that are neither series nor dimension scales) need units too.
    for group_name, group in f.items():
        if group_name in ("meta", "time") or not isinstance(group, h5py.Group):
            continue
        for name, ds in group.items():
            if (isinstance(ds, h5py.Dataset) and ds.attrs.get("CLASS") != b"DIMENSION_SCALE"
                    and "cadence" not in ds.attrs and "units" not in ds.attrs):
                problems.append("%s/%s has no units attribute" % (group_name, name))


def check_headline(f, problems):
    if HEADLINE not in f:
        problems.append("no /" + HEADLINE)
        return
    units = f[HEADLINE].attrs.get("units")
    if not isinstance(units, str):
        problems.append("/%s has no str units attribute (found %r)" % (HEADLINE, units))


def check_xarray(path, f, problems):
    try:
        import xarray
    except ImportError:
        problems.append("--xarray: xarray is missing (Debian packages python3-xarray "
                        "python3-h5netcdf)")
        return
    groups = [None] + [name for name, g in f.items() if isinstance(g, h5py.Group)]
    for group in groups:
        where = "/" + (group or "")
        try:
            with xarray.open_dataset(path, group=group, engine="h5netcdf") as ds:
                phony = [d for d in ds.dims if str(d).startswith("phony_dim")]
                if phony:
                    problems.append("xarray gives group %s phony dimensions %s"
                                    % (where, ", ".join(map(str, phony))))
                for name, var in ds.data_vars.items():
                    if "cadence" in var.attrs and not isinstance(var.attrs.get("units"), str):
                        problems.append("xarray: %s/%s has no str units" % (where, name))
                for name, coord in ds.coords.items():
                    if str(name).startswith("time_") and coord.dtype.kind != "M":
                        problems.append("xarray: %s/%s decodes to %s, not datetime64"
                                        % (where, name, coord.dtype))
        except Exception as e:  # any failure to open is what this check exists to report
            problems.append("xarray cannot open group %s: %s: %s"
                            % (where, type(e).__name__, e))


def check_market_events(f, problems):
    """/markets/events (docs/model.md "Largest moves"), read with h5py alone: every firm's
    largest daily moves per replicate, at most 10, ranked by absolute return, on days the firm
    traded, each with a cause among /markets/cause."""
    if "markets" not in f or "market_cap_usd" not in f["markets"]:
        return
    g = f["markets"]
    columns = ("events_replicate", "event_firm", "event_date", "event_date_iso", "event_rank",
               "event_return", "event_index_return", "event_cause", "event_releases",
               "event_salience", "event_surprise_log10", "event_rate_change_points",
               "event_rate_surprise_points")
    missing = [c for c in ("events",) + columns if c not in g]
    if missing:
        problems.append("/markets has firms but no " + ", ".join("/markets/" + c for c in missing))
        return
    n = g["events"].shape[0]
    for c in columns:
        if g[c].shape != (n,):
            problems.append("/markets/%s has shape %s, expected (%d,)" % (c, g[c].shape, n))
            return
    replicates = f["meta"].attrs["replicates"]
    if n == 0:
        problems.append("/markets/events is empty")
        return
    rep = g["events_replicate"][()]
    firm = g["event_firm"].asstr()[()]
    rank = g["event_rank"][()]
    ret = g["event_return"][()]
    iso = g["event_date_iso"].asstr()[()]
    cause = g["event_cause"].asstr()[()]
    causes = set(g["cause"].asstr()[()])
    firms = list(g["firm"].asstr()[()])
    if set(rep) != set(range(replicates)):
        problems.append("/markets/events covers replicates %s, not 0..%d" % (sorted(set(rep)),
                                                                           replicates - 1))
    if not set(cause) <= causes:
        problems.append("/markets/event_cause holds %s, not ids of /markets/cause"
                        % sorted(set(cause) - causes))
    cadence = g["daily_return"].attrs["cadence"]
    cadence = cadence.decode() if isinstance(cadence, bytes) else str(cadence)
    dates = list(f["time/" + cadence].asstr()[()])
    daily = g["daily_return"]
    for r in sorted(set(rep)):
        for name in set(firm[rep == r]):
            rows = (rep == r) & (firm == name)
            if rows.sum() > 10:
                problems.append("replicate %d firm %s has %d events, more than 10"
                                % (r, name, rows.sum()))
            order = np.argsort(rank[rows])
            moves = np.abs(ret[rows][order])
            if list(rank[rows][order]) != list(range(1, rows.sum() + 1)) or np.any(
                    np.diff(moves) > 0):
                problems.append("replicate %d firm %s: ranks %s do not order |return| %s"
                                % (r, name, rank[rows][order], moves))
            if r == 0:  # each row is the firm's return that day in /markets/daily_return
                for d, x in zip(iso[rows], ret[rows]):
                    stored = daily[r, dates.index(d), firms.index(name)]
                    if not np.isclose(stored, x, rtol=1e-12, atol=0):
                        problems.append("/markets/events: %s %s return %g, daily_return %g"
                                        % (name, d, x, stored))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", help="an airace run file (.h5)")
    parser.add_argument("--xarray", action="store_true",
                        help="also open every group with xarray (h5netcdf engine)")
    args = parser.parse_args()

    try:
        f = h5py.File(args.file, "r")
    except (OSError, ValueError) as e:
        print("check_run_file.py: %s: cannot open as HDF5: %s" % (args.file, e), file=sys.stderr)
        return 2

    problems = []
    with f:
        series_count = len(series_datasets(f))
        check_meta(f, problems)
        check_checksum(f, problems)
        check_time_axes(f, problems)
        check_headline(f, problems)
        check_series(f, problems)
        check_market_events(f, problems)
        if args.xarray:
            check_xarray(args.file, f, problems)

    if problems:
        print("%s: %d problem(s):" % (args.file, len(problems)), file=sys.stderr)
        for p in problems:
            print("  - " + p, file=sys.stderr)
        return 1
    print("%s: OK (%d series)" % (args.file, series_count))
    return 0


if __name__ == "__main__":
    sys.exit(main())
