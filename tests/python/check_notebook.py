"""Executes docs/whatif.ipynb with Debian's nbconvert and ipykernel (jupyter-nbconvert,
python3-ipykernel: `scripts/setup.sh --tests`), as a reader would run it from docs/, with the
airace package of this source tree and the program under test. It must run through without an
error and show its comparison table and its chart.

Usage: /usr/bin/python3 tests/python/check_notebook.py AIRACE WORKDIR
"""
import os
import pathlib
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "docs" / "whatif.ipynb"


def main():
    airace, work = pathlib.Path(sys.argv[1]).resolve(), pathlib.Path(sys.argv[2])
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = dict(os.environ, AIRACE_BIN=str(airace), PYTHONPATH=str(ROOT / "python"),
               PYDEVD_DISABLE_FILE_VALIDATION="1", JUPYTER_PLATFORM_DIRS="1",
               MPLBACKEND="module://matplotlib_inline.backend_inline",
               # the kernel's connection file and IPython's profile, away from $HOME
               JUPYTER_RUNTIME_DIR=str(work / "runtime"), IPYTHONDIR=str(work / "ipython"))
    done = subprocess.run(["/usr/bin/python3", "-m", "nbconvert", "--to", "notebook", "--execute",
                           str(NOTEBOOK), "--output-dir", str(work),
                           "--ExecutePreprocessor.timeout=300"], env=env)
    if done.returncode != 0:
        print("nbconvert could not execute %s (exit status %d)" % (NOTEBOOK, done.returncode))
        return 1
    import nbformat

    executed = nbformat.read(str(work / NOTEBOOK.name), as_version=4)
    problems, images, tables = [], 0, []
    for cell in executed.cells:
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                problems.append("cell %s: %s: %s" % (cell.execution_count, out.ename, out.evalue))
            data = out.get("data", {})
            images += "image/png" in data
            if "text/html" in data:
                tables.append(data["text/html"])
    if images != 1:
        problems.append("expected one chart, found %d" % images)
    if not any("cn_smuggled_h100e" in t and "beyond_noise" in t for t in tables):
        problems.append("no comparison table with cn_smuggled_h100e and beyond_noise")
    for p in problems:
        print(p)
    if not problems:
        print("%s ran: %d cells, its table and chart shown" % (NOTEBOOK.name,
                                                                 len(executed.cells)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
