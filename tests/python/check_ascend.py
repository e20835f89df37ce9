"""Huawei's Ascend output per year in the baseline lies inside the published ranges, and every
week of it is bound by exactly one input (scripts/ascend_binding.py).

Usage: check_ascend.py AIRACE_BINARY OUTPUT_DIR

The baseline runs with 4 replicates to the end of 2026 at its parameters' medians
(`--fixed-parameters`). Ranges (docs/calibration.md, "Huawei's Ascend output and what binds
it"): 2024 0.4-0.55M (Chinese media target 400-500k; SemiAnalysis ~550k); 2025 0.2-0.9M (the
US Commerce Department's ceiling of 0.2M to SemiAnalysis's 0.805M and the WSJ's > 0.8M, SF8's
tolerance); 2026 at most 1.6M (Huawei's plan of up to 1.6M dies, Bloomberg 2025-09).
"""
import os
import pathlib
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "scripts"))
import ascend_binding  # noqa: E402

RANGES = {2024: (0.40, 0.55), 2025: (0.20, 0.90), 2026: (0.0, 1.6)}  # million chips


def main():
    airace, outdir = sys.argv[1], pathlib.Path(sys.argv[2])
    outdir.mkdir(parents=True, exist_ok=True)
    run = outdir / "baseline.h5"
    subprocess.run([airace, "run", "scenarios/baseline.yaml", "-q", "--fixed-parameters",
                    "--replicates", "4", "-o", str(run), "--force",
                    "--set", "scenario.end=2026-12-31"], check=True)
    failures = []
    for year, units, shares in ascend_binding.table(str(run), first=2024, last=2026):
        lo, hi = RANGES[year]
        med = float(np.median(units))
        ok = lo <= med <= hi and abs(sum(shares) - 1.0) < 1e-9
        print(f"{year}: {med:.3f}M Ascend (published {lo}-{hi}M); weeks bound by capacity "
              f"{shares[0]:.2f}, dies {shares[1]:.2f}, HBM {shares[2]:.2f}, demand "
              f"{shares[3]:.2f} {'ok' if ok else 'WRONG'}")
        if not ok:
            failures.append(year)
    if failures:
        sys.exit(f"Ascend output outside the published range in {failures}")


if __name__ == "__main__":
    main()
