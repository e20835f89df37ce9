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

What a reader sees is checked too. The findings come first, as sentences with numbers and a 90%
range: the US-China gap, China's compute and domestic share, the largest market shock and, for
two files, the what-if's effects. Every chart carries its spec as matplotlib drew it
(data-axes: per panel the tick labels, offset texts, axis labels and boxes): no axis may use
offset notation ("1e7" above it) or scientific ticks, every y axis is labelled in words and not
with a variable name, and no figure title overlaps a panel. No number outside the scenario text
is printed in scientific notation ("2.22e-16"). "What the model assumes" holds every known
limitation of docs/model.md section 4. With --pdf the report prints to PDF through headless
Chromium; page 1, turned into an image by pdftoppm, is not blank, and its text (pdftotext)
holds every finding sentence.

Without chromium (or poppler-utils' pdftoppm and pdftotext) the test is skipped with status 77,
saying what to install, except under CI=true, where it fails.
"""
import base64
import html.parser
import json
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
        self.text = []               # visible text outside <pre>, <style> and <script>
        self.by_id, self.open_ids = {}, []  # text inside elements with an id, nested
        self.skip = 0

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
        if tag in ("pre", "style", "script"):
            self.skip += 1
        if tag not in VOID:
            self.open_ids.append((tag, a.get("id")))
            if a.get("id"):
                self.by_id[a["id"]] = ""

    def handle_endtag(self, tag):
        if tag == "pre":
            self.pre_id = None
        if tag in ("pre", "style", "script"):
            self.skip -= 1
        for k in range(len(self.open_ids) - 1, -1, -1):
            if self.open_ids[k][0] == tag:
                del self.open_ids[k:]
                break

    def handle_data(self, data):
        if self.pre_id is not None:
            self.pre_text[self.pre_id] += data
        if not self.skip:
            self.text.append(data)
        for _, element in self.open_ids:
            if element:
                self.by_id[element] += data


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
# Scientific or offset notation in a tick label or a sentence: 1e7, 2.22e-16, ×10³, 10^{3}.
SCIENTIFIC = re.compile(r"\d[eE][+-]?\d|×\s*10|\\times|\^|mathdefault")
# A variable name (compute_h100e) or "name [units]", as plot.py labels axes: not for readers.
VARIABLE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+|\[.*\]$")
# The findings every report states, and those a what-if adds: element id, words it must hold.
FINDINGS = {"finding-gap": "months", "finding-compute": "million H100e",
            "finding-market": "one-day fall"}
WHATIF_FINDINGS = {"whatif-headline": "months", "finding-whatif-compute": "H100e",
                   "finding-whatif-domestic": "percentage points"}
ROUND = re.compile(r"\b\d\.\d{4,}")  # more than 3 decimals: a number nobody rounded


def words(text):
    """Letters and digits only, lower case: what survives a PDF's line breaks and glyphs."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def boxes_overlap(a, b):
    """Whether two (x0, y0, width, height) boxes share more than a pixel."""
    return (a[0] + 1 < b[0] + b[2] and b[0] + 1 < a[0] + a[2]
            and a[1] + 1 < b[1] + b[3] and b[1] + 1 < a[1] + a[3])


def check_axes(series, spec):
    """Every problem a chart spec shows: offset or scientific notation, unreadable labels or
    labels cut off at the figure's edge, a figure title over a panel."""
    problems = []
    for k, panel in enumerate(spec.get("panels", [])):
        where = "%s, panel %d (%s)" % (series, k + 1, panel.get("title", "")[:40])
        for axis in ("x", "y"):
            if panel[axis + "offset"]:
                problems.append("%s: the %s axis uses offset notation %r"
                                % (where, axis, panel[axis + "offset"]))
            bad = [t for t in panel[axis + "ticks"] if SCIENTIFIC.search(t)]
            if bad:
                problems.append("%s: %s ticks in scientific notation: %s" % (where, axis, bad))
        label = panel["ylabel"]
        if not label.strip() or VARIABLE.search(label):
            problems.append("%s: the y axis is labelled %r, not in words" % (where, label))
        if not panel["yticks"]:
            problems.append("%s: the y axis has no tick labels" % where)
        if panel["bbox"][0] < 0:  # display units from the figure's left edge
            problems.append("%s: the y axis's labels run off the figure's left edge (%s)"
                            % (where, panel["bbox"]))
        title = spec.get("suptitle")
        if title and boxes_overlap(title["bbox"], panel["bbox"]):
            problems.append("%s: the figure's title %r overlaps the panel (%s and %s)"
                            % (where, title["text"][:40], title["bbox"], panel["bbox"]))
    return problems


def model_limitations():
    """The first words of every bullet of docs/model.md section 4, markdown stripped."""
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    section = text.split("\n## 4.", 1)[1].split("\n## ", 1)[0]
    starts = []
    for line in section.splitlines():
        if line.startswith("- "):
            plain = re.sub(r"[`*]", "", line[2:])
            starts.append(" ".join(plain.split()[:6]))
    return starts


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
    for image in dom.images:
        if image.get("data-series"):
            try:
                spec = json.loads(image.get("data-axes", ""))
            except ValueError:
                problems.append("%s: no chart spec (data-axes)" % image["data-series"])
                continue
            problems += check_axes(image["data-series"], spec)
    # A git commit id is hexadecimal and may read like a number ("git 2e2e54a"); it is not one.
    visible = re.sub(r"\bgit [0-9a-f]{7,40}\b", "git <commit>", " ".join(dom.text))
    for bad in sorted(set(m.group(0) for m in re.finditer(r"\S*\d[eE][+-]?\d+\S*", visible))):
        problems.append("a number in scientific notation outside the scenario text: %s" % bad)
    findings = dict(FINDINGS, **(WHATIF_FINDINGS if whatif else {}))
    for key, word in findings.items():
        sentence = " ".join(dom.by_id.get(key, "").split())
        if not sentence:
            problems.append("no finding %s on the first screen" % key)
        elif (word not in sentence or "90% of" not in sentence
              or not re.search(r"\d", sentence)):
            problems.append("the finding %s lacks its number, unit (%s) or 90%% range: %s"
                            % (key, word, sentence))
        elif ROUND.search(sentence):
            problems.append("the finding %s has an unrounded number: %s" % (key, sentence))
        elif key == "finding-market" and "its cause is" not in sentence:
            problems.append("the market finding does not name the shock's cause: %s" % sentence)
        elif key == "finding-gap" and not re.search(
                r"The US is ahead at the end in \d+ of \d+ replicates, China in \d+", sentence):
            problems.append("the gap finding does not give how many replicates each side leads "
                            "in: %s" % sentence)
    text = report.read_text(encoding="utf-8")
    if "findings" in dom.ids and text.index('id="findings"') > text.index("<img"):
        problems.append("the findings do not come before the charts")
    assumed = " ".join(dom.by_id.get("assumptions", "").split())
    for start in model_limitations():
        if start not in assumed:
            problems.append("'What the model assumes' lacks the limitation starting %r" % start)
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


def check_pdf(report, pdf, work):
    """Page 1 of the PDF as an image (pdftoppm) is not blank; its text (pdftotext) holds every
    finding sentence of the HTML report."""
    import numpy as np
    import matplotlib.image

    problems = []
    if not pdf.is_file() or pdf.stat().st_size == 0:
        return ["report.py --pdf wrote no PDF at %s" % pdf]
    stem = work / "page"
    for old in work.glob("page*.png"):
        old.unlink()
    done = run(["pdftoppm", "-f", "1", "-l", "1", "-r", "60", "-png", pdf, stem])
    pages = sorted(work.glob("page*.png"))
    if done.returncode != 0 or not pages:
        return ["pdftoppm made no image of page 1: %s" % done.stderr.strip()]
    pixels = matplotlib.image.imread(str(pages[0]))[:, :, :3]
    ink = float(np.mean(pixels.mean(axis=2) < 0.8))
    print("page 1: %s, %dx%d pixels, %.1f%% ink" % (pages[0].name, pixels.shape[1],
                                                    pixels.shape[0], 100 * ink))
    if ink < 0.01:
        problems.append("page 1 of the PDF is blank (%.2f%% of its pixels are ink)" % (100 * ink))
    done = run(["pdftotext", "-f", "1", "-l", "1", "-layout", pdf, "-"])
    page = words(done.stdout)
    dom = Dom()
    dom.feed(report.read_text(encoding="utf-8"))
    findings = [key for key in list(FINDINGS) + list(WHATIF_FINDINGS) if key in dom.by_id]
    if not findings:
        problems.append("the report has no findings to look for in the PDF")
    for key in findings:
        if words(dom.by_id[key]) not in page:
            problems.append("page 1 of the PDF lacks the finding %s: %s"
                            % (key, " ".join(dom.by_id[key].split())))
    return problems


def missing_tools():
    return [tool for tool in ("chromium", "pdftoppm", "pdftotext") if shutil.which(tool) is None]


def main() -> int:
    airace, baseline, work = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
    missing = missing_tools()
    if missing:
        why = ("%s not found: `bash scripts/setup.sh --tests` installs Debian's chromium and "
               "poppler-utils" % ", ".join(missing))
        if os.environ.get("CI") == "true":
            print("FAIL under CI=true: " + why)
            return 1
        print("SKIP: " + why)
        return 77
    work.mkdir(parents=True, exist_ok=True)
    problems = []

    one = work / "baseline_report.html"
    pdf = work / "baseline_report.pdf"
    for old in (one, pdf):
        if old.exists():
            old.unlink()
    done = run([sys.executable, REPORT, baseline, "-o", one, "--pdf", pdf])
    if done.returncode != 0:
        print(done.stdout, done.stderr)
        return 1
    problems += check_report(one, baseline, work, whatif=False)
    problems += check_pdf(one, pdf, work)

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
    # --pdf without Chromium: status 2 saying what to install, and nothing written.
    done = run([sys.executable, REPORT, baseline, "-o", work / "bad.html", "--pdf"],
               env=dict(os.environ, PATH=str(work / "no_such_folder")))
    if done.returncode != 2 or "chromium" not in done.stderr:
        problems.append("--pdf without chromium: expected exit 2 naming chromium, got %d: %s"
                        % (done.returncode, done.stderr.strip()))
    if (work / "bad.html").exists() or (work / "bad.pdf").exists():
        problems.append("--pdf without chromium wrote a report")

    for p in problems:
        print(p)
    print("%d problems" % len(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    os.environ.setdefault("HDF5_USE_FILE_LOCKING", "FALSE")
    sys.exit(main())
