"""airace.open: every group of an airace file as an xarray Dataset, in one call.

A run file (`airace run`) opens whole: each group (`indicators`, `labs`, `markets`, ...) with its
series [replicate, time, entity...], its entity ids and its time axes decoded to dates; `meta`
with the run's metadata as attributes and the resolved scenario as `scenario_yaml`; `time` with
each cadence's dates. Units stay on every series as its `units` attribute.

A sweep file (`airace sweep`) opens whole too: `design` at the root, `meta`, `runs`, `metrics`,
the kept series (`series/<group>`, with their dates and entity ids) and the Sobol indices
(`sensitivity/<metric>`, by parameter). A group xarray cannot open (a file written by an older
airace) is named in `Results.unopened` with the reason.

h5py, numpy and xarray are imported when a file is opened, not when this module is.
"""

import os
import warnings
from collections.abc import Mapping

from .errors import AiraceError
from .integrity import hdf5_failure, meta_checksum_failure, text


class Results(Mapping):
    """The groups of one airace file: a read-only mapping from group path ("indicators",
    "labs", "series/indicators", ...) to xarray.Dataset.

    path      the file
    kind      "run" or "sweep"
    meta      /meta's attributes and texts (scenario_yaml, ...) as a dict of str and int
    unopened  {group: why} for groups xarray could not open (sweep files, see the module)
    """

    def __init__(self, path, kind, meta, groups, unopened, keep=None):
        self.path = path
        self.kind = kind
        self.meta = meta
        self._groups = groups
        self.unopened = unopened
        self._keep = keep  # a temporary folder that holds the file, removed with this object

    def __getitem__(self, group):
        name = group.strip("/") or "/"
        try:
            return self._groups[name]
        except KeyError:
            why = self.unopened.get(name)
            if why is not None:
                raise KeyError("%s: group %r could not be opened with xarray: %s"
                               % (self.path, group, why)) from None
            raise KeyError("%s: no group %r; the file has %s"
                           % (self.path, group, ", ".join(sorted(self._groups)))) from None

    def __iter__(self):
        return iter(self._groups)

    def __len__(self):
        return len(self._groups)

    def detach(self):
        """Reads every Dataset into memory and closes the file, so that airace can write to it
        (airace.analyse adds /sensitivity to a sweep file)."""
        for ds in self._groups.values():
            ds.load()
            ds.close()

    def close(self):
        """Closes the Datasets (and removes the file if it was a temporary one)."""
        for ds in self._groups.values():
            ds.close()
        if self._keep is not None:
            self._keep.cleanup()
            self._keep = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        lines = ["<airace.Results %s file %s>" % (self.kind, self.path)]
        for name, ds in self._groups.items():
            lines.append("  %-22s %s" % (name, ", ".join(list(ds.data_vars)[:6]) +
                                        (", ..." if len(ds.data_vars) > 6 else "")))
        for name, why in self.unopened.items():
            lines.append("  %-22s not opened: %s" % (name, why))
        return "\n".join(lines)


def _meta_dict(meta):
    import h5py

    out = {}
    for key, value in meta.attrs.items():
        if getattr(value, "ndim", 0) > 0:
            out[key] = [text(v) for v in value]
        elif hasattr(value, "item") and not isinstance(value, (bytes, str)):
            out[key] = value.item()
        else:
            out[key] = text(value)
    for key, obj in meta.items():
        if isinstance(obj, h5py.Dataset) and obj.shape == ():
            out[key] = text(obj[()])
    return out


def _groups_with_datasets(f):
    """Paths of the root and of every group that holds a dataset directly, in file order."""
    import h5py

    found = []

    def visit(name, obj):
        if isinstance(obj, h5py.Group) and any(isinstance(o, h5py.Dataset)
                                               for o in obj.values()):
            found.append(name)

    if any(isinstance(o, h5py.Dataset) for o in f.values()):
        found.append("")
    f.visititems(visit)
    return found


def _dates(ds):
    """The `time` group's ISO date coordinates as datetime64."""
    import numpy as np

    return ds.assign_coords({name: np.asarray(ds[name].values, dtype="datetime64[ns]")
                             for name in ds.coords if ds[name].dtype.kind in "OSU"})


def _open_group(xr, path, group):
    """One group as a Dataset, CF times decoded. A variable whose units read "<unit> since"
    something that is not a date (a sweep metric in "years since the scenario's start", as
    files of older airace versions have it) is a number, not a time: kept as it is, where
    xarray would refuse the whole group."""
    import re

    try:
        return xr.open_dataset(path, group=group, engine="h5netcdf")
    except ValueError as e:
        if "unable to decode time units" not in str(e):
            raise
    ds = xr.open_dataset(path, group=group, engine="h5netcdf", decode_times=False)
    numbers = [n for n, v in ds.variables.items()
               if " since " in str(v.attrs.get("units", ""))
               and not re.search(r" since \d{4}-\d{2}-\d{2}", str(v.attrs["units"]))]
    for n in numbers:
        ds[n].attrs["airace_units"] = ds[n].attrs.pop("units")
    ds = xr.decode_cf(ds)
    for n in numbers:
        ds[n].attrs["units"] = ds[n].attrs.pop("airace_units")
    return ds


def open(path, load=False):  # noqa: A001 (airace.open, as xarray.open_dataset)
    """Opens an airace run or sweep file: every group as an xarray.Dataset, in a Results.

    Dates are decoded (datetime64), units stay as `units` attributes. With load=True the
    values are read into memory and the file closed; otherwise they are read when used.
    Raises AiraceError, naming the file and what is wrong, for a missing, damaged or foreign
    file. Groups that xarray cannot open (in sweep files of older airace versions) are listed
    in `Results.unopened` and named in a warning."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise AiraceError("%s: no such file" % path)
    if not os.path.isfile(path):
        raise AiraceError("%s: not a file (a directory?); expected an airace run or sweep file"
                          % path)
    import h5py
    import xarray as xr

    if not h5py.is_hdf5(path):
        raise AiraceError("%s: not an HDF5 file (airace run and sweep files are written by "
                          "'airace run' and 'airace sweep')" % path)
    failure = hdf5_failure(path)
    if failure:
        raise AiraceError("%s: the file is damaged: %s" % (path, failure))
    try:
        with h5py.File(path, "r") as f:
            meta = f.get("meta")
            if not isinstance(meta, h5py.Group) or "program_version" not in meta.attrs:
                raise AiraceError("%s: not an airace file (it has no /meta program_version "
                                  "attribute)" % path)
            failure = meta_checksum_failure(meta)
            if failure:
                raise AiraceError("%s: the file is damaged: %s" % (path, failure))
            kind = "sweep" if "sweep_hash" in meta.attrs else "run"
            meta_values = _meta_dict(meta)
            names = _groups_with_datasets(f)
    except (OSError, KeyError, ValueError, TypeError, RuntimeError) as e:
        raise AiraceError("%s: cannot read it, the file is damaged or was not written by "
                          "airace: %s" % (path, e or type(e).__name__)) from e

    groups, unopened = {}, {}
    for name in names:
        try:
            ds = _open_group(xr, path, name or "/")
            if load:
                ds = ds.load()
                ds.close()
        except (OSError, ValueError, KeyError, TypeError) as e:
            unopened[name or "/"] = str(e).splitlines()[0]
            continue
        if name == "time":
            ds = _dates(ds)
        groups[name or "/"] = ds
    if unopened:
        warnings.warn("%s: xarray could not open %s; read %s with h5py"
                      % (path, ", ".join(unopened), "it" if len(unopened) == 1 else "them"),
                      stacklevel=2)
    return Results(path, kind, meta_values, groups, unopened)
