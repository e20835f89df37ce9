"""Runs scripts/plot.py on a run file and checks that it drew every headline indicator, when
the run has firms the market panels (markets.png: index, Nvidia, build-out vs smaller AI stake),
and when it has /safety the safety panels (safety.png: the US-China gap, incidents by severity,
effort against the no-race effort).

Usage: /usr/bin/python3 tests/python/check_plots.py RUN.h5 OUTDIR
"""
import pathlib
import subprocess
import sys

import h5py
import matplotlib.image


def main() -> int:
    run_file, out_dir = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    root = pathlib.Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, str(root / "scripts" / "plot.py"), str(run_file),
                           "-o", str(out_dir)], capture_output=True, text=True)
    if done.returncode != 0:
        print(done.stdout, done.stderr)
        print(f"plot.py exited with {done.returncode}")
        return 1
    with h5py.File(run_file, "r") as f:
        indicators = [name for name, obj in f["indicators"].items()
                      if isinstance(obj, h5py.Dataset) and "units" in obj.attrs
                      and obj.ndim >= 2]
    pngs = sorted(out_dir.glob("*.png"))
    failures = []
    for name in indicators:
        matches = [p for p in pngs if name in p.stem]
        if not matches:
            failures.append(f"no chart for indicator {name}")
            continue
        image = matplotlib.image.imread(matches[0])
        if image.shape[0] < 200 or image.shape[1] < 300:
            failures.append(f"{matches[0]} is only {image.shape[1]}x{image.shape[0]} pixels")
        if image.std() < 0.01:
            failures.append(f"{matches[0]} is blank")
        if str(matches[0]) not in done.stdout:
            failures.append(f"plot.py did not print the path of {matches[0]}")
    with h5py.File(run_file, "r") as f:
        has = {"markets": "markets" in f and "market_cap_usd" in f["markets"],
               "safety": "safety" in f and "incidents" in f["safety"]}
    for name, what in [("markets", "firms"), ("safety", "a safety: section")]:
        png = out_dir / f"{name}.png"
        if has[name]:
            if not png.exists():
                failures.append(f"the run has {what} but plot.py drew no {png.name} by default")
                continue
            image = matplotlib.image.imread(png)
            # three panels stacked
            if image.shape[0] < 3 * 300 or image.std() < 0.01:
                failures.append(f"{png} is {image.shape[1]}x{image.shape[0]} pixels "
                                f"with spread {image.std():.3f}: not three drawn panels")
            if str(png) not in done.stdout:
                failures.append(f"plot.py did not print the path of {png}")
        elif png.exists():
            failures.append(f"{png.name} drawn for a run without {what}")
    # The log scale: growth from zero is drawn on it, fractions and signed series are not.
    sys.path.insert(0, str(root / "scripts"))
    from plot import wants_log

    for median, low, units, log in [([0, 0, 1e3, 1e7], [0, 0, 10, 1e5], "M tokens/year", True),
                                    ([5, 5e4], [1, 1e4], "H100e", True),
                                    ([0, 1, 10], [0, 0.5, 5], "H100e", False),
                                    ([1, 30, 90], [0.01, 10, 80], "models", False),
                                    ([0, 1e-5, 0.4], [0, 0, 0.1], "fraction", False),
                                    ([1, 1e5], [-3, 1e4], "months", False),
                                    ([0, 0], [0, 0], "H100e", False)]:
        if wants_log(median, low, units) != log:
            failures.append(f"wants_log({median}, {low}, {units!r}) is not {log}")
    for f in failures:
        print(f)
    print(f"{len(indicators)} indicators, {len(pngs)} charts, {len(failures)} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
