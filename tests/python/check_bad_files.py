"""Gives scripts/plot.py, scripts/report.py and scripts/plot_sobol.py bad files and checks that
each is refused with exit status 2 and a message naming the file, with no Python traceback and
no output written: a good file truncated at several lengths or with bytes flipped, a global
heap damaged so that HDF5 itself crashes or loops, an HDF5 file of another program (h5py, random
datasets), one that declares 10^12 values, an empty file, a text file, a directory, a missing
file. Flipped bytes that HDF5 does not notice (raw data carries no checksum) may give status 0.

Usage: /usr/bin/python3 tests/python/check_bad_files.py AIRACE SWEEP_WITH_INDICES.h5 WORKDIR
"""
import concurrent.futures
import pathlib
import shutil
import struct
import subprocess
import sys

import h5py
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"


def damaged_copies(good, work, stem):
    """(path, always refused) for truncated and flipped copies of `good`."""
    data = good.read_bytes()
    n = len(data)
    out = []
    for length in (0, n // 2, n - 1):  # the C++ test tries more lengths
        p = work / ("%s_truncated_%d.h5" % (stem, length))
        p.write_bytes(data[:length])
        out.append((p, True))
    # In an object header, where HDF5 finds a bad checksum. (Flips that HDF5 cannot see, in raw
    # data, make the scripts draw everything, which takes long; the C++ test tries more places.)
    flipped = bytearray(data)
    for i in range(500, min(n, 516)):
        flipped[i] ^= 0xFF
    p = work / ("%s_flipped_500.h5" % stem)
    p.write_bytes(bytes(flipped))
    out.append((p, False))
    # A global heap (where variable-length strings live) whose first object claims a size far
    # past its end: HDF5 1.10 crashes on it instead of raising an error (h5dump too).
    at = data.find(b"GCOL")
    if at >= 0:
        heap = bytearray(data)
        struct.pack_into("<Q", heap, at + 24, 0x00FFFFFFFFFFFF)
        p = work / ("%s_heap.h5" % stem)
        p.write_bytes(bytes(heap))
        out.append((p, True))
        # Its size 2^64 - 16 instead: with its 16-byte header the next object starts where this
        # one began, and HDF5 1.10 loops for ever instead of raising an error.
        struct.pack_into("<Q", heap, at + 24, 0xFFFFFFFFFFFFFFF0)
        p = work / ("%s_heap_loop.h5" % stem)
        p.write_bytes(bytes(heap))
        out.append((p, True))
    return out


def foreign_files(work):
    rng = np.random.default_rng(5)
    foreign = work / "foreign.h5"
    with h5py.File(foreign, "w") as f:
        f["random"] = rng.random((4, 6))
        f.create_group("meta")["values"] = rng.integers(0, 9, 7)
        f["indicators/us_cn_gap_months"] = rng.random((3, 5))
        f["sensitivity/x/first_order"] = rng.random(2)
        f["parameter"] = np.array([b"a", b"b"])
    # A run file in all but size: 10^12 values declared, in chunks never written.
    vast = work / "vast.h5"
    with h5py.File(vast, "w") as f:
        f.create_group("meta").attrs["program_version"] = "0.1.0"
        f.create_group("sensitivity")
        f["time/monthly"] = np.array([b"2022-01-01", b"2022-02-01"])
        d = f.create_dataset("indicators/us_cn_gap_months", shape=(10**6, 10**6), dtype="f8",
                             chunks=(1, 1000))
        d.attrs["cadence"] = "monthly"
    (work / "empty.h5").write_bytes(b"")
    (work / "text.h5").write_text("time,value\n2022-01-01,3\n")
    (work / "directory.h5").mkdir()
    return [(foreign, True), (vast, True), (work / "empty.h5", True), (work / "text.h5", True),
            (work / "directory.h5", True), (work / "missing.h5", True)]


def check(script, args, bad, always_refused, outputs):
    """Problems with one run of a script on a bad file."""
    done = subprocess.run([sys.executable, str(SCRIPTS / script)] + [str(a) for a in args],
                          capture_output=True, text=True)
    what = "%s %s" % (script, bad.name)
    problems = []
    if "Traceback" in done.stderr:
        problems.append("%s: a Python traceback:\n%s" % (what, done.stderr))
    if done.returncode == 0 and not always_refused:
        return problems  # damage HDF5 cannot see
    if done.returncode != 2:
        problems.append("%s: exit status %d, expected 2: %s"
                        % (what, done.returncode, done.stderr.strip()))
    if str(bad) not in done.stderr:
        problems.append("%s: the message does not name the file: %s"
                        % (what, done.stderr.strip()))
    for out in outputs:
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            problems.append("%s: refused, but it wrote %s" % (what, out))
    return problems


def main():
    airace, sweep, work = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    run = work / "run.h5"
    done = subprocess.run([airace, "run", "tests/data/small.yaml", "-q", "-r", "2", "--set",
                           "scenario.end=2022-12-31", "-o", str(run)], cwd=ROOT,
                          capture_output=True, text=True)
    if done.returncode != 0:
        print(done.stdout, done.stderr)
        return 1
    foreign = foreign_files(work)
    run_files = damaged_copies(run, work, "run") + foreign
    sweep_files = damaged_copies(sweep, work, "sweep") + foreign

    jobs = []
    for i, (bad, always) in enumerate(run_files):
        plots, html = work / ("plots_%d" % i), work / ("report_%d.html" % i)
        jobs.append(("plot.py", [bad, "-o", plots], bad, always, [plots]))
        jobs.append(("report.py", [run, bad, "-o", html] if i % 2 else [bad, "-o", html],
                     bad, always, [html, pathlib.Path(str(html) + ".part")]))
    for i, (bad, always) in enumerate(sweep_files):
        png = work / ("sobol_%d.png" % i)
        jobs.append(("plot_sobol.py", [bad, "-o", png], bad, always,
                     [png, pathlib.Path(str(png) + ".part.png")]))
    problems = []
    # Four at once: the runs on the files where HDF5 loops mostly wait for the scripts' watch.
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        for found in pool.map(lambda job: check(*job), jobs):
            problems += found
    for p in problems:
        print(p)
    print("%d runs of the scripts on bad files, %d problems" % (len(jobs), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
