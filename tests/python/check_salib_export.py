"""`airace analyse --salib` writes the design and outcomes in SALib's row order: SALib's own
estimators (sobol.analyze with calc_second_order=False, written out here because Debian has no
SALib package) applied to that file must give the indices airace wrote under /sensitivity.

    python3 tests/python/check_salib_export.py AIRACE SWEEP.yaml WORKDIR
"""
import json
import os
import subprocess
import sys

import h5py
import numpy as np


def salib_first_and_total(y, k):
    """SALib.analyze.sobol for calc_second_order=False: separate_output_values, then
    first_order (Saltelli 2010) and total_order (Jansen 1999), over var(r_[A, B])."""
    step = k + 2
    a = y[0::step]
    b = y[step - 1::step]
    ab = np.stack([y[j + 1::step] for j in range(k)], axis=1)
    var = np.var(np.r_[a, b], axis=0)
    first = np.mean(b[:, None] * (ab - a[:, None]), axis=0) / var
    total = 0.5 * np.mean((a[:, None] - ab) ** 2, axis=0) / var
    return first, total


def main() -> int:
    airace, sweep, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    out = os.path.join(work, "salib_sweep.h5")
    exported = os.path.join(work, "salib_sweep.json")
    for path in (out, exported):
        if os.path.exists(path):
            os.remove(path)
    subprocess.run([airace, "sweep", sweep, "-q", "-o", out], check=True)
    subprocess.run([airace, "analyse", out, "--resamples", "50", "--salib", exported],
                   check=True, stdout=subprocess.DEVNULL)
    with open(exported) as f:
        doc = json.load(f)
    k = doc["problem"]["num_vars"]
    n = doc["base_rows"]
    assert doc["calc_second_order"] is False
    assert len(doc["X"]) == n * (k + 2), (len(doc["X"]), n, k)
    with h5py.File(out, "r") as f:
        names = [x.decode() if isinstance(x, bytes) else x for x in f["parameters"][()]] \
            if "parameters" in f else doc["problem"]["names"]
        design = f["design"][()]
        compared = 0
        for metric, values in doc["Y"].items():
            y = np.array([np.nan if v is None else v for v in values], dtype=float)
            first, total = salib_first_and_total(y, k)
            g = f["sensitivity"][metric]
            np.testing.assert_allclose(first, g["first_order"][()], rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(total, g["total"][()], rtol=1e-9, atol=1e-12)
            compared += 1
    assert compared == len(doc["Y"]) > 0
    # Row j (k + 2) is A_j, the next k rows A_B^(i)_j, then B_j: in A_B^(i), column i comes from
    # B and the others from A.
    x = np.array(doc["X"])
    for j in range(n):
        row_a, row_b = x[j * (k + 2)], x[j * (k + 2) + k + 1]
        for i in range(k):
            ab = x[j * (k + 2) + 1 + i]
            expected = row_a.copy()
            expected[i] = row_b[i]
            np.testing.assert_array_equal(ab, expected)
    # Every design point appears once.
    assert sorted(map(tuple, x)) == sorted(map(tuple, design)), "rows are not the design's points"
    assert doc["problem"]["names"] == list(names)
    # The export may not replace the sweep file it reads: refused, and the file is unchanged.
    before = open(out, "rb").read()
    r = subprocess.run([airace, "analyse", out, "--resamples", "50", "--salib", out],
                       capture_output=True, text=True)
    assert r.returncode == 2, r
    assert "--salib" in r.stderr, r.stderr
    assert open(out, "rb").read() == before
    print(f"SALib order checked: {compared} metrics, N = {n}, k = {k}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
