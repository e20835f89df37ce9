"""Builds HTML reports with scripts/report.py and renders them in headless Chromium.

    /usr/bin/python3 tests/python/check_report.py AIRACE BASELINE.h5 WORKDIR

Two reports: of the baseline run file alone, and of the baseline against a what-if that
doubles US enforcement, run here with the same seed and replicates (so paired) but ending in
2024 (so only the dates the two share are compared, and the run takes about a second). Each
report is loaded by Chromium from file:// with a probe script appended after the report's own
content, which counts after the load event the images that did not decode; the test checks
that Chromium exits 0, logs no JavaScript or resource error, every image decoded, every
/indicators series has its chart (an <img data-series="indicators/NAME"> holding a PNG), the
report fetches nothing (no http, https or file address), the scenario text is there verbatim,
and for two files the what-if differences section has a chart per indicator and says it is
paired. Then that report.py exits 2 naming the file for a missing file and a non-run file.
"""
import base64
import html.parser
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

import h5py

ROOT = pathlib.Path(__file__).resolve().parents[2]
REPORT = ROOT / "scripts" / "report.py"
WHATIF_SETS = ["us_government.enforcement=2", "scenario.end=2024-12-31"]

# Appended to a copy of the report: after the load event (every image decoded or failed),
# it records in the DOM how many images there are and how many did not decode.
PROBE = """<script>
window.addEventListener("load", function () {
  var images = Array.from(document.images);
  var broken = images.filter(function (i) { return !i.complete || i.naturalWidth === 0; });
  document.body.setAttribute("data-probe-images", String(images.length));
  document.body.setAttribute("data-probe-broken", String(broken.length));
});
</script>"""

# What Chromium logs for a page's own problems (its D-Bus and GPU chatter is not the page's).
PAGE_ERRORS = re.compile(r"CONSOLE|net::ERR_|Not allowed to load|Refused to|Uncaught")


class Dom(html.parser.HTMLParser):
    """The parts of a dumped DOM the checks need."""

    def __init__(self):
        super().__init__()
        self.images, self.addresses, self.ids, self.body = [], [], set(), {}
        self.pre_id, self.pre_text = None, {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "img":
            self.images.append(a)
        if tag == "body":
            self.body = a
        for key in ("src", "href"):
            if key in a and not a[key].startswith(("data:image/png;base64,", "#")):
                self.addresses.append("%s %s=%s" % (tag, key, a[key][:80]))
        if tag == "pre":
            self.pre_id = a.get("id")
            self.pre_text[self.pre_id] = ""

    def handle_endtag(self, tag):
        if tag == "pre":
            self.pre_id = None

    def handle_data(self, data):
        if self.pre_id is not None:
            self.pre_text[self.pre_id] += data


def run(cmd, **kw):
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)


def render(report, work):
    """Chromium's DOM of the report with the probe, and the page's errors from its log."""
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("chromium not found: `bash scripts/setup.sh` installs Debian's chromium")
    probed = work / (report.stem + "_probe.html")
    document = report.read_text(encoding="utf-8")
    probed.write_text(document.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    with tempfile.TemporaryDirectory(dir=work) as profile:
        done = run([chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
                    "--no-first-run", "--user-data-dir=" + profile, "--enable-logging=stderr",
                    "--v=0", "--virtual-time-budget=10000", "--dump-dom",
                    probed.resolve().as_uri()], timeout=120)
    problems = []
    if done.returncode != 0:
        problems.append("chromium exited with %d" % done.returncode)
    problems += ["chromium logged: " + line.strip() for line in done.stderr.splitlines()
                 if PAGE_ERRORS.search(line)]
    dom = Dom()
    dom.feed(done.stdout)
    if "data-probe-broken" not in dom.body:
        problems.append("the probe did not run: the page never finished loading")
    elif dom.body["data-probe-broken"] != "0":
        problems.append("%s of %s images did not decode" % (dom.body["data-probe-broken"],
                                                            dom.body["data-probe-images"]))
    return dom, problems


def check_report(report, run_file, work, whatif):
    """Every problem found in the rendered report, as lines."""
    with h5py.File(run_file, "r") as f:
        indicators = sorted(name for name, obj in f["indicators"].items()
                            if isinstance(obj, h5py.Dataset) and "cadence" in obj.attrs)
        scenario = f["meta/scenario_yaml"].asstr()[()]
    dom, problems = render(report, work)
    charts = {}
    for image in dom.images:
        series = image.get("data-series")
        if series:
            charts[series] = image.get("src", "")
    expected = ["indicators/" + n for n in indicators]
    if whatif:
        expected += ["difference/indicators/" + n for n in indicators]
    for series in expected:
        src = charts.get(series)
        if src is None:
            problems.append("no chart for %s" % series)
        elif not base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n":
            problems.append("the chart of %s is not a PNG" % series)
    problems += ["it refers to an address: " + a for a in dom.addresses]
    if dom.pre_text.get("scenario-yaml") != scenario:
        problems.append("the scenario text (/meta/scenario_yaml) is not there verbatim")
    if whatif:
        if "whatif" not in dom.ids:
            problems.append("no what-if differences section")
        if "Paired by replicate" not in report.read_text(encoding="utf-8"):
            problems.append("the differences do not say they are paired by replicate")
        text = report.read_text(encoding="utf-8")
        if "whatif-headline" not in dom.ids:
            problems.append("the what-if section does not state its effect in a sentence")
        elif not re.search(r"Over \d{4}(-\d{4})? the what-if .* in \d+% of replicates", text):
            problems.append("the what-if sentence lacks its period or its probabilities")
    elif "whatif" in dom.ids:
        problems.append("a one-file report has a what-if section")
    print("%s: %d indicators, %d charts, %d problems" % (report.name, len(indicators),
                                                         len(charts), len(problems)))
    return problems


def main() -> int:
    airace, baseline, work = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
    work.mkdir(parents=True, exist_ok=True)
    problems = []

    one = work / "baseline_report.html"
    done = run([sys.executable, REPORT, baseline, "-o", one])
    if done.returncode != 0:
        print(done.stdout, done.stderr)
        return 1
    problems += check_report(one, baseline, work, whatif=False)

    whatif = work / "double_enforcement_2024.h5"
    sets = [a for s in WHATIF_SETS for a in ("--set", s)]
    done = run([airace, "run", ROOT / "scenarios" / "baseline.yaml", "-q", "-o", whatif] + sets,
               cwd=ROOT)
    if done.returncode != 0:
        print(done.stdout, done.stderr)
        return 1
    two = work / "baseline_vs_double_enforcement.html"
    done = run([sys.executable, REPORT, baseline, whatif, "-o", two])
    if done.returncode != 0:
        print(done.stdout, done.stderr)
        return 1
    problems += check_report(two, baseline, work, whatif=True)

    # Errors name the file and exit 2: a missing file, and an HDF5 file that is no run.
    not_a_run = work / "not_a_run.h5"
    with h5py.File(not_a_run, "w") as f:
        f["x"] = [1.0]
    for bad in (work / "missing.h5", not_a_run):
        done = run([sys.executable, REPORT, baseline, bad, "-o", work / "bad.html"])
        if done.returncode != 2 or str(bad) not in done.stderr:
            problems.append("%s: expected exit 2 naming the file, got %d: %s"
                            % (bad.name, done.returncode, done.stderr.strip()))
    if (work / "bad.html").exists():
        problems.append("a failed report left bad.html behind")

    for p in problems:
        print(p)
    print("%d problems" % len(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    os.environ.setdefault("HDF5_USE_FILE_LOCKING", "FALSE")
    sys.exit(main())
