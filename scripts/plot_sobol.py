#!/usr/bin/python3
"""Draws the Sobol indices that `airace analyse` wrote into a sweep file.

One panel per metric: for each parameter the first-order index S1 and the total index ST, with
their bootstrap confidence intervals as error bars.

    python3 scripts/plot_sobol.py results/my_sweep.h5 -o results/my_sweep_sobol.png
"""
import argparse
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", help="a saltelli sweep file after `airace analyse`")
    parser.add_argument("-o", "--output", help="PNG file (default: FILE with _sobol.png)")
    args = parser.parse_args()
    output = args.output or args.file.rsplit(".", 1)[0] + "_sobol.png"
    with h5py.File(args.file, "r") as f:
        if "sensitivity" not in f:
            print(f"{args.file}: no /sensitivity; run `airace analyse {args.file}` first",
                  file=sys.stderr)
            return 2
        params = [p.decode() if isinstance(p, bytes) else p for p in f["parameter"][()]]
        sens = f["sensitivity"]
        confidence = float(sens.attrs["confidence"])
        metrics = list(sens)
        fig, axes = plt.subplots(len(metrics), 1, figsize=(8, 2.2 + 0.6 * len(params) * len(metrics)),
                                 squeeze=False)
        y = np.arange(len(params))
        for ax, name in zip(axes[:, 0], metrics):
            g = sens[name]
            for offset, key, label in ((-0.18, "first_order", "first order S1"),
                                       (0.18, "total", "total ST")):
                est = g[key][()]
                err = np.vstack([est - g[key + "_low"][()], g[key + "_high"][()] - est])
                ax.barh(y + offset, est, height=0.34, xerr=np.clip(err, 0, None), capsize=3,
                        label=label)
            ax.set_yticks(y, params)
            ax.set_xlim(min(0.0, ax.get_xlim()[0]), max(1.0, ax.get_xlim()[1]))
            ax.set_title(f"{name}  (bars: {confidence:.0%} bootstrap intervals)")
            ax.axvline(0, color="black", linewidth=0.5)
            ax.legend(loc="lower right", fontsize="small")
        fig.tight_layout()
        fig.savefig(output, dpi=100)
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
