#!/usr/bin/python3
"""Draws the Sobol indices that `airace analyse` wrote into a sweep file.

One panel per metric: for each parameter the first-order index S1 and the total index ST, with
their bootstrap confidence intervals as error bars.

    python3 scripts/plot_sobol.py results/my_sweep.h5 -o results/my_sweep_sobol.png

Exits 2, naming the file and what is wrong, when it is missing, not a file, damaged, not an
airace sweep file, or has no /sensitivity yet; it then writes nothing.

Needs Debian's python3-h5py, python3-numpy and python3-matplotlib (`bash scripts/setup.sh`);
launched with a python3 that lacks them (a pyenv or virtualenv one), it runs itself again with
/usr/bin/python3, as plot.py does.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot  # noqa: E402  (the interpreter check and the checks for damaged files)

plot.ensure_dependencies(__file__)
import h5py  # noqa: E402
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

PROGRAM = "plot_sobol.py"


class SweepFileError(Exception):
    """A file whose indices cannot be drawn; the message says why."""


def text(value):
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def read_indices(path):
    """(parameters, confidence, {metric: {key: array}}) from a sweep file after `airace
    analyse`, all read before anything is drawn."""
    if not os.path.exists(path):
        raise SweepFileError("no such file")
    if not os.path.isfile(path):
        raise SweepFileError("not a file (a directory?); expected an airace sweep file")
    try:
        if not h5py.is_hdf5(path):
            raise SweepFileError("not an HDF5 file (a sweep file is written by 'airace sweep')")
        failure = plot.hdf5_failure(path)
        if failure:
            raise SweepFileError("the file is damaged: " + failure)
        f = h5py.File(path, "r")
    except OSError as e:
        raise SweepFileError("cannot open it: %s" % e) from e
    # h5py raises OSError, KeyError or RuntimeError for damaged metadata: a message, never a
    # traceback.
    try:
        with f:
            meta = f.get("meta")
            if not isinstance(meta, h5py.Group) or "sweep_hash" not in meta.attrs:
                raise SweepFileError("not an airace sweep file (it has no /meta sweep_hash "
                                     "attribute)")
            failure = plot.meta_checksum_failure(meta)
            if failure:
                raise SweepFileError("the file is damaged: " + failure)
            if "sensitivity" not in f:
                raise SweepFileError("no /sensitivity; run `airace analyse %s` first" % path)
            params = [text(p) for p in f["parameter"][()]]
            sens = f["sensitivity"]
            confidence = float(sens.attrs["confidence"])
            indices = {}
            for name in sens:
                g = sens[name]
                method = g.attrs.get("method", "sobol")
                if text(method) == "morris":
                    raise SweepFileError("/sensitivity holds Morris elementary effects (a morris "
                                         "sweep), not Sobol indices; `airace analyse %s` prints "
                                         "them" % path)
                indices[name] = {key: np.asarray(g[key][()], dtype=float)
                                 for key in ("first_order", "first_order_low",
                                             "first_order_high", "total", "total_low",
                                             "total_high")}
                if any(v.shape != (len(params),) for v in indices[name].values()):
                    raise SweepFileError("/sensitivity/%s does not hold one index per parameter"
                                         % name)
            if not indices:
                raise SweepFileError("/sensitivity holds no metric")
    except (OSError, KeyError, ValueError, TypeError, IndexError, RuntimeError,
            MemoryError) as e:
        raise SweepFileError("cannot read it, the file is damaged or was not written by "
                             "airace: %s" % (e or type(e).__name__)) from e
    return params, confidence, indices


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", help="a saltelli sweep file after `airace analyse`")
    parser.add_argument("-o", "--output", help="PNG file (default: FILE with _sobol.png)")
    args = parser.parse_args()
    output = args.output or args.file.rsplit(".", 1)[0] + "_sobol.png"
    try:
        params, confidence, indices = read_indices(args.file)
    except SweepFileError as e:
        print("%s: %s: %s" % (PROGRAM, args.file, e), file=sys.stderr)
        return 2
    metrics = list(indices)
    fig, axes = plt.subplots(len(metrics), 1, figsize=(8, 2.2 + 0.6 * len(params) * len(metrics)),
                             squeeze=False)
    y = np.arange(len(params))
    for ax, name in zip(axes[:, 0], metrics):
        g = indices[name]
        for offset, key, label in ((-0.18, "first_order", "first order S1"),
                                   (0.18, "total", "total ST")):
            est = g[key]
            err = np.vstack([est - g[key + "_low"], g[key + "_high"] - est])
            ax.barh(y + offset, est, height=0.34, xerr=np.clip(err, 0, None), capsize=3,
                    label=label)
        ax.set_yticks(y, params)
        ax.set_xlim(min(0.0, ax.get_xlim()[0]), max(1.0, ax.get_xlim()[1]))
        ax.set_title(f"{name}  (bars: {confidence:.0%} bootstrap intervals)")
        ax.axvline(0, color="black", linewidth=0.5)
        ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    # Written under another name and renamed, so that no half-written chart is left.
    temporary = output + ".part.png"
    fig.savefig(temporary, dpi=100)
    os.replace(temporary, output)
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
