"""End to end: `airace check`, `airace sweep` and `airace analyse` on a second-order Saltelli sweep
and on a Morris sweep. The indices airace stores under /sensitivity must equal SALib's estimators
(written out here because Debian has no SALib package) applied to the `--salib` export, whose rows
must follow SALib's layout; the groups must open with h5py and xarray; and one thread or all give
bit-identical designs and indices.

    python3 tests/python/check_sensitivity_designs.py AIRACE SECOND_ORDER.yaml MORRIS.yaml WORKDIR
"""
import json
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np
import xarray as xr


def run(*args, **kw):
    r = subprocess.run(list(args), capture_output=True, text=True, **kw)
    assert r.returncode == 0, (args, r.stdout, r.stderr)
    return r.stdout


def sweep_and_analyse(airace, sweep, work, tag, threads):
    out = os.path.join(work, tag + ".h5")
    exported = os.path.join(work, tag + ".json")
    run(airace, "sweep", sweep, "-q", "-t", str(threads), "-o", out)
    text = run(airace, "analyse", out, "--resamples", "100", "--seed", "5", "--salib", exported)
    with open(exported) as f:
        doc = json.load(f)
    return out, text, doc


def sensitivity(path):
    with h5py.File(path, "r") as f:
        return {m: {name: g[name][()] for name in g if name not in ("parameter", "other_parameter")}
                for m, g in f["sensitivity"].items()}


def same_bits(a, b):
    assert a.keys() == b.keys()
    for m in a:
        assert a[m].keys() == b[m].keys()
        for name in a[m]:
            x, y = a[m][name], b[m][name]
            assert x.tobytes() == y.tobytes(), (m, name, x, y)


def salib_sobol(y, k):
    """SALib.analyze.sobol with calc_second_order=True: separate_output_values (step 2k + 2),
    first_order (Saltelli 2010), total_order (Jansen 1999), second_order (Saltelli 2002)."""
    step = 2 * k + 2
    a = y[0::step]
    b = y[step - 1::step]
    ab = np.stack([y[j + 1::step] for j in range(k)], axis=1)
    ba = np.stack([y[j + 1 + k::step] for j in range(k)], axis=1)
    var = np.var(np.r_[a, b], axis=0)
    first = np.mean(b[:, None] * (ab - a[:, None]), axis=0) / var
    total = 0.5 * np.mean((a[:, None] - ab) ** 2, axis=0) / var
    second = np.full((k, k), np.nan)
    for i in range(k):
        for j in range(i + 1, k):
            vij = np.mean(ba[:, i] * ab[:, j] - a * b) / var
            second[i, j] = second[j, i] = vij - first[i] - first[j]
    return first, total, second


def salib_morris(x, y, k, levels):
    """SALib.analyze.morris: elementary effects (y_after - y_before) / delta, the sign of the
    step taken from x, delta = p / (2(p - 1)); mu, mu* and sigma (ddof 1) per parameter."""
    delta = levels / (2.0 * (levels - 1))
    r = len(y) // (k + 1)
    ee = np.full((r, k), np.nan)
    for t in range(r):
        rows = x[t * (k + 1):(t + 1) * (k + 1)]
        ys = y[t * (k + 1):(t + 1) * (k + 1)]
        for m in range(1, k + 1):
            moved = np.nonzero(rows[m] != rows[m - 1])[0]
            assert len(moved) == 1, ("a Morris step must move one parameter", t, m, moved)
            i = moved[0]
            sign = 1.0 if rows[m, i] > rows[m - 1, i] else -1.0
            ee[t, i] = sign * (ys[m] - ys[m - 1]) / delta
    assert not np.isnan(ee).any(), "every parameter moves once per trajectory"
    return np.abs(ee).mean(axis=0), ee.mean(axis=0), ee.std(axis=0, ddof=1)


def check_second_order(airace, sweep, work):
    checked = run(airace, "check", sweep)
    assert "saltelli (second order) design" in checked, checked
    out, text, doc = sweep_and_analyse(airace, sweep, work, "second_order", 2)
    assert "second order S_ij [CI]" in text, text
    k = doc["problem"]["num_vars"]
    n = doc["base_rows"]
    assert doc["calc_second_order"] is True
    x = np.array(doc["X"])
    assert x.shape == (n * (2 * k + 2), k), x.shape
    # SALib's rows for base row j: A_j, A_B^(1..k)_j, B_A^(1..k)_j, B_j.
    step = 2 * k + 2
    for j in range(n):
        row_a, row_b = x[j * step], x[j * step + step - 1]
        for i in range(k):
            ab, ba = x[j * step + 1 + i], x[j * step + 1 + k + i]
            expected_ab, expected_ba = row_a.copy(), row_b.copy()
            expected_ab[i], expected_ba[i] = row_b[i], row_a[i]
            np.testing.assert_array_equal(ab, expected_ab)
            np.testing.assert_array_equal(ba, expected_ba)
    with h5py.File(out, "r") as f:
        assert f["meta"].attrs["design"] in ("saltelli", b"saltelli")
        assert int(f["meta"].attrs["second_order"]) == 1
        assert f["design"].shape == (n * step, k)
        assert sorted(map(tuple, x)) == sorted(map(tuple, f["design"][()]))
        for metric, values in doc["Y"].items():
            y = np.array([np.nan if v is None else v for v in values], dtype=float)
            first, total, second = salib_sobol(y, k)
            g = f["sensitivity"][metric]
            assert g.attrs["method"] in ("sobol", b"sobol")
            np.testing.assert_allclose(g["first_order"][()], first, rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(g["total"][()], total, rtol=1e-9, atol=1e-12)
            stored = g["second_order"][()]
            assert stored.shape == (k, k)
            np.testing.assert_allclose(stored, second, rtol=1e-9, atol=1e-12, equal_nan=True)
            assert np.isnan(np.diag(stored)).all()
            low, high = g["second_order_low"][()], g["second_order_high"][()]
            off = ~np.eye(k, dtype=bool)
            assert (low[off] <= high[off]).all()
    with xr.open_dataset(out, group="sensitivity/gap_end", engine="h5netcdf") as ds:
        assert ds["second_order"].dims == ("parameter", "other_parameter"), ds["second_order"].dims
        assert ds["first_order"].dims == ("parameter",)
        assert list(ds["other_parameter"].values) == list(ds["parameter"].values)
    # One thread gives the same design, outcomes and indices as two.
    again, _, _ = sweep_and_analyse(airace, sweep, work, "second_order_one_thread", 1)
    with h5py.File(out, "r") as f, h5py.File(again, "r") as g:
        assert f["design"][()].tobytes() == g["design"][()].tobytes()
    same_bits(sensitivity(out), sensitivity(again))
    return n, k


def check_morris(airace, sweep, work):
    checked = run(airace, "check", sweep)
    assert "morris (r = 6 trajectories, p = 4 levels) design" in checked, checked
    out, text, doc = sweep_and_analyse(airace, sweep, work, "morris", 2)
    assert "mu* [CI]" in text, text
    k = doc["problem"]["num_vars"]
    levels = doc["num_levels"]
    r = doc["trajectories"]
    x = np.array(doc["X"])
    assert x.shape == (r * (k + 1), k)
    with h5py.File(out, "r") as f:
        assert f["meta"].attrs["design"] in ("morris", b"morris")
        assert int(f["meta"].attrs["trajectories"]) == r == 6
        assert int(f["meta"].attrs["levels"]) == levels == 4
        np.testing.assert_array_equal(x, f["design"][()])
        for metric, values in doc["Y"].items():
            y = np.array(values, dtype=float)
            mu_star, mu, sigma = salib_morris(x, y, k, levels)
            g = f["sensitivity"][metric]
            assert g.attrs["method"] in ("morris", b"morris")
            np.testing.assert_allclose(g["mu_star"][()], mu_star, rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(g["mu"][()], mu, rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(g["sigma"][()], sigma, rtol=1e-9, atol=1e-12)
            assert (g["mu_star_low"][()] <= g["mu_star"][()] + 1e-12).all()
            assert (g["mu_star"][()] <= g["mu_star_high"][()] + 1e-12).all()
    with xr.open_dataset(out, group="sensitivity/gap_end", engine="h5netcdf") as ds:
        assert ds["mu_star"].dims == ("parameter",)
        assert len(ds["parameter"]) == k
    # The Sobol plot refuses Morris effects by name, writing nothing.
    png = os.path.join(work, "morris.png")
    refused = subprocess.run([sys.executable, "scripts/plot_sobol.py", out, "-o", png],
                             capture_output=True, text=True)
    assert refused.returncode == 2 and "Morris elementary effects" in refused.stderr, refused
    assert not os.path.exists(png)
    again, _, _ = sweep_and_analyse(airace, sweep, work, "morris_one_thread", 1)
    with h5py.File(out, "r") as f, h5py.File(again, "r") as g:
        assert f["design"][()].tobytes() == g["design"][()].tobytes()
    same_bits(sensitivity(out), sensitivity(again))
    # Two shards merged keep r and p in /meta and give the same effects.
    parts = []
    for i in range(2):
        part = os.path.join(work, "morris.part-%d.h5" % i)
        run(airace, "sweep", sweep, "-q", "--shard", "%d/2" % i, "-o", part)
        parts.append(part)
    merged = os.path.join(work, "morris_merged.h5")
    run(airace, "merge", *parts, "-o", merged)
    run(airace, "analyse", merged, "--resamples", "100", "--seed", "5")
    same_bits(sensitivity(out), sensitivity(merged))
    return r, k


def main() -> int:
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    airace, second_order, morris, work = sys.argv[1:5]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    n, k = check_second_order(airace, second_order, work)
    print(f"second order checked against SALib's estimators: N = {n}, k = {k}")
    r, k = check_morris(airace, morris, work)
    print(f"Morris checked against SALib's estimators: r = {r}, k = {k}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
