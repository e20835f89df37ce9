"""Gives scripts/plot.py, scripts/report.py and scripts/plot_sobol.py bad files and checks that
each is refused with exit status 2 and a message naming the file, with no Python traceback and
no output written: a good file truncated at several lengths or with bytes flipped, a global
heap damaged so that HDF5 itself crashes or loops, an HDF5 file of another program (h5py, random
datasets), one that declares 10^12 values, an empty file, a text file, a directory, a missing
file. Flipped bytes that HDF5 does not notice (raw data carries no checksum) may give status 0,
except in the scenario or sweep text and the /meta attributes, which the SHA-256 in /meta covers:
one bit flipped there is refused by every script, calibration.py too. A file without that
checksum (written before it) is still read.

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


def bit_flipped_copies(good, work, stem):
    """Copies of `good` with one bit flipped in its stored scenario (or sweep) text, and one in
    its /meta attribute created_utc. Variable-length text lives in a global heap, where HDF5
    checks nothing: only the SHA-256 in /meta tells (exit 2, "the file is damaged")."""
    with h5py.File(good, "r") as f:
        meta = f["meta"]
        texts = {"text": meta["scenario_yaml" if "scenario_yaml" in meta else "sweep_yaml"][()],
                 "created": meta.attrs["created_utc"].encode("utf-8")}
    data = good.read_bytes()
    out = []
    for what, value in texts.items():
        for start in list(range(len(value) // 2, len(value) - 24, 7)) + [None]:
            piece = value if start is None else value[start:start + 24]
            if data.count(piece) == 1:
                break
        else:
            raise SystemExit("no piece of %s's %s occurs once in it" % (good, what))
        flipped = bytearray(data)
        flipped[data.index(piece) + len(piece) // 2] ^= 0x01
        p = work / ("%s_%s_bit.h5" % (stem, what))
        p.write_bytes(bytes(flipped))
        out.append(p)
    return out


def without_checksum(good, work, stem):
    """A copy of `good` as airace wrote files before they carried a checksum."""
    p = work / ("%s_no_checksum.h5" % stem)
    shutil.copyfile(good, p)
    with h5py.File(p, "r+") as f:
        del f["meta"].attrs["checksum_covers"]
        del f["meta"].attrs["checksum_sha256"]
    return p


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


def check(script, args, bad, always_refused, outputs, expected=""):
    """Problems with one run of a script on a bad file; `expected`: words its message must
    hold."""
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
    if expected not in done.stderr:
        problems.append("%s: the message does not say %r: %s"
                        % (what, expected, done.stderr.strip()))
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
    damaged = "the file is damaged: "
    for i, bad in enumerate(bit_flipped_copies(run, work, "run")):
        plots, html = work / ("bit_plots_%d" % i), work / ("bit_report_%d.html" % i)
        jobs.append(("plot.py", [bad, "-o", plots], bad, True, [plots], damaged))
        jobs.append(("report.py", [run, bad, "-o", html], bad, True,
                     [html, pathlib.Path(str(html) + ".part")], damaged))
        jobs.append(("calibration.py", [bad], bad, True, [], damaged))
    for i, bad in enumerate(bit_flipped_copies(sweep, work, "sweep")):
        png = work / ("bit_sobol_%d.png" % i)
        jobs.append(("plot_sobol.py", [bad, "-o", png], bad, True,
                     [png, pathlib.Path(str(png) + ".part.png")], damaged))
    problems = []
    # Files written before airace stored a checksum are read as before.
    for script, args in (("plot.py", [without_checksum(run, work, "run"), "-o",
                                      work / "old_plots"]),
                         ("report.py", [without_checksum(run, work, "run"), "-o",
                                        work / "old_report.html"]),
                         ("plot_sobol.py", [without_checksum(sweep, work, "sweep"), "-o",
                                            work / "old_sobol.png"])):
        done = subprocess.run([sys.executable, str(SCRIPTS / script)] + [str(a) for a in args],
                              capture_output=True, text=True)
        if done.returncode != 0:
            problems.append("%s on a file without a checksum: exit status %d: %s"
                            % (script, done.returncode, done.stderr.strip()))
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
