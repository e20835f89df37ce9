"""The same sweep on one process, under `mpirun --oversubscribe -n 2` and `-n 4`, and as four
--shard slices merged must give bit-identical metrics and run status.

    python3 tests/python/check_mpi_sweep.py AIRACE MPIRUN SWEEP.yaml WORKDIR
"""
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np


def run(cmd):
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def results(path):
    with h5py.File(path, "r") as f:
        assert f["meta"].attrs["shard_count"] == 1, path
        return {
            "status": f["runs/status"][()],
            "design": f["design"][()],
            **{"metrics/" + k: f["metrics"][k][()] for k in f["metrics"]},
        }


def main() -> int:
    airace, mpirun, sweep, work = sys.argv[1:5]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    one = os.path.join(work, "one.h5")
    run([airace, "sweep", sweep, "-q", "-o", one])
    # Open MPI refuses to start as root without this (CI runs as root).
    root = ["--allow-run-as-root"] if os.geteuid() == 0 else []
    ranks = {}
    for n in (2, 4):
        ranks[n] = os.path.join(work, f"mpi{n}.h5")
        run([mpirun, "--oversubscribe", "-n", str(n), *root, airace, "sweep", sweep, "-q",
             "-o", ranks[n]])
    parts = []
    for i in range(4):
        parts.append(os.path.join(work, f"part{i}.h5"))
        run([airace, "sweep", sweep, "-q", "--shard", f"{i}/4", "-o", parts[-1]])
    merged = os.path.join(work, "merged.h5")
    run([airace, "merge", *parts, "-o", merged])

    leftovers = [n for n in os.listdir(work) if ".part-" in n or n.endswith(".partial")]
    if leftovers:
        print("the MPI run left part files behind:", leftovers)
        return 1
    expected = results(one)
    if not (expected["status"] == 1).all():
        print("some runs failed:", expected["status"])
        return 1
    for name, path in (("mpirun -n 2", ranks[2]), ("mpirun -n 4", ranks[4]),
                       ("4 shards merged", merged)):
        got = results(path)
        for key, value in expected.items():
            if not np.array_equal(value, got[key], equal_nan=True):
                print(f"{name}: {key} differs from the one-process sweep")
                return 1
        print(f"{name}: identical to the one-process sweep ({len(expected) - 2} metrics)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
