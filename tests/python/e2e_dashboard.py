"""The dashboard of `airace serve` in headless Chromium: moving a slider reruns the ensemble and
redraws the charts.

    /usr/bin/python3 tests/python/e2e_dashboard.py AIRACE_BINARY OUTDIR

Starts the server on the seminar scenario, opens the page, waits for the first run (every lever
at its scenario value: the run's median equals the baseline's), moves one lever to the far end
of its range and waits for the next run. Checks that the page sent that lever's value, that the
drawn run differs from the first one and from the baseline (drawn unchanged), that every
indicator of /api/info has its chart, that the download links answer 200 with a YAML scenario
and an HDF5 file, and that the browser console logged no error. Then, on a 390-px-wide phone
screen (Chromium's device emulation), that the page does not scroll sideways and that no
lever's value is clipped: each value lies inside the screen, inside its lever panel and
inside every box around it that hides what overflows, and shows all of its text. Exits 1 naming
what failed.
"""
import pathlib
import sys
import time

from serve_util import Failure, Server, chromium, console_errors, main_guard, set_slider, wait_for

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def snapshot(driver, ids):
    return driver.execute_script(
        "return arguments[0].map((id) => [id, window.airace.chartData(id)]);", ids)


def datasets_by_label(chart):
    return {d["label"]: d["data"] for d in chart["datasets"]}


def run_median(chart):
    return [d["data"] for d in chart["datasets"] if d["label"] == "This run (median)"][0]


def baseline_median(chart):
    return [d["data"] for d in chart["datasets"] if d["label"].startswith("Baseline (median")][0]


def wait_for_run(driver, previous_count, timeout_s=120):
    def done():
        state = driver.execute_script(
            "return [window.airace && window.airace.runCount,"
            " document.getElementById('status').dataset.state,"
            " document.getElementById('status').textContent];")
        if state[1] == "error":
            raise Failure("the page shows an error: %s" % state[2])
        return state[0] is not None and state[0] > previous_count and state[1] == "done"
    wait_for("a run drawn after run %d" % previous_count, done, timeout_s)
    return driver.execute_script("return window.airace.runCount;")


def check_download(server, href, kind):
    status, headers, body = server.request("GET", href)
    if status != 200:
        raise Failure("%s download %s answered %d" % (kind, href, status))
    if kind == "yaml":
        text = body.decode("utf-8", errors="replace")
        if "scenario" not in text:
            raise Failure("the YAML download has no scenario section: %r" % text[:200])
    elif body[:8] != HDF5_SIGNATURE:
        raise Failure("the HDF5 download does not start with the HDF5 signature")
    print("download %s: %d bytes, %s" % (href, len(body), headers.get("Content-Type")))


def check_markets_and_releases(driver, info):
    """A chart per market series of /api/info with a value on every date; release lines only
    for the frontier releases, the others named in the tooltip of their date."""
    markets = [m["id"] for m in info.get("markets", [])]
    if not markets:
        raise Failure("/api/info lists no market series for a scenario with firms")
    for m in markets:
        chart = driver.execute_script("return window.airace.chartData(arguments[0]);", m)
        if chart is None:
            raise Failure("no chart for the market series %s" % m)
        median = run_median(chart)
        if not chart["labels"] or len(median) != len(chart["labels"]) or \
                any(v is None or v <= 0 for v in median):
            raise Failure("%s: %d values for %d dates, or a value that is no market value"
                          % (m, len(median), len(chart["labels"])))
    got = driver.execute_script("""
      const run = window.airace.lastRun;
      const id = window.airace.info.indicators[0].id;
      const chart = window.airace.charts[id];
      const marks = chart.options.plugins.airaceMarkers.marks.filter((m) => !m.atBottom);
      const i = chart.data.labels.findIndex(
        (d) => run.releases.some((r) => !r.frontier && r.date <= d));
      const tip = chart.options.plugins.tooltip.callbacks.footer([{chart: chart, dataIndex: i}]);
      return [run.releases.length, run.releases.filter((r) => r.frontier).length, marks.length,
              tip];""")
    releases, frontier, lines, tooltip = got
    if not 0 < frontier < releases:
        raise Failure("expected some but not all of the %d releases to be frontier releases, "
                      "got %d" % (releases, frontier))
    if lines != frontier:
        raise Failure("%d release lines for %d frontier releases" % (lines, frontier))
    if not any(t.startswith("Release: ") for t in tooltip):
        raise Failure("the tooltip does not name a release that has no line: %r" % tooltip)
    print("markets: %s; %d release lines for %d releases (the others in tooltips)"
          % (", ".join(markets), lines, releases))


PHONE_WIDTH_PX = 390

# Every problem of the lever values' layout, as sentences: a value outside the screen, cut by
# a box around it that hides what overflows, or not showing all its text.
CLIPPED_VALUES = """
const width = document.documentElement.clientWidth;
const problems = [];
if (document.documentElement.scrollWidth > width)
  problems.push('the page is ' + document.documentElement.scrollWidth + ' px wide on a ' +
                width + '-px screen');
const panel = document.getElementById('levers').getBoundingClientRect();
if (panel.right > width + 0.5 || panel.left < -0.5)
  problems.push('the lever panel spans ' + panel.left + ' to ' + panel.right + ' px');
const values = document.querySelectorAll('#levers [data-lever-value]');
if (!values.length) problems.push('no lever values on the page');
for (const v of values) {
  const r = v.getBoundingClientRect();
  const name = v.dataset.leverValue + ' (' + JSON.stringify(v.textContent) + ')';
  if (!v.textContent) problems.push(name + ' shows nothing');
  if (r.width === 0 || r.left < -0.5 || r.right > width + 0.5)
    problems.push(name + ' lies at ' + r.left + ' to ' + r.right + ' px');
  if (v.scrollWidth > v.clientWidth + 1 && getComputedStyle(v).display !== 'inline')
    problems.push(name + ' shows ' + v.clientWidth + ' of its ' + v.scrollWidth + ' px');
  for (let a = v.parentElement; a; a = a.parentElement) {
    const o = getComputedStyle(a).overflowX;
    if (o === 'visible') continue;
    const b = a.getBoundingClientRect();
    if (r.left < b.left - 0.5 || r.right > b.right + 0.5)
      problems.push(name + ' is cut by ' + a.tagName + (a.id ? '#' + a.id : '') +
                    ' (overflow ' + o + ')');
  }
}
return problems;
"""


def check_phone_layout(driver, outdir):
    """The dashboard at 390 px: no lever value clipped, nothing wider than the screen."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": PHONE_WIDTH_PX, "height": 844, "deviceScaleFactor": 1,
                            "mobile": True})
    try:
        time.sleep(0.5)  # a resize event, charts redrawn
        problems = driver.execute_script(CLIPPED_VALUES)
        count = driver.execute_script(
            "return document.querySelectorAll('#levers [data-lever-value]').length;")
        driver.save_screenshot(str(outdir / "dashboard_390px.png"))
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    if problems:
        raise Failure("at %d px: %s" % (PHONE_WIDTH_PX, "; ".join(problems)))
    print("at %d px: %d lever values, none clipped" % (PHONE_WIDTH_PX, count))


def main():
    binary, outdir = sys.argv[1], pathlib.Path(sys.argv[2])
    outdir.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    with Server(binary) as server:
        info = server.json("GET", "/api/info")
        indicator_ids = [i["id"] for i in info["indicators"]]
        driver = chromium()
        try:
            driver.get(server.url)
            count = wait_for_run(driver, 0)
            print("first run drawn after %.1f s" % (time.monotonic() - t0))
            missing = [i for i in indicator_ids
                       if not driver.find_elements("css selector", '[data-chart="%s"] canvas' % i)]
            if missing:
                raise Failure("no chart for %s" % ", ".join(missing))
            check_markets_and_releases(driver, info)
            sliders = driver.find_elements("css selector", "#levers [data-lever]")
            if len(sliders) != len(info["levers"]):
                raise Failure("%d sliders for %d levers" % (len(sliders), len(info["levers"])))
            before = dict(snapshot(driver, indicator_ids))
            for i in indicator_ids:
                if run_median(before[i]) != baseline_median(before[i]):
                    raise Failure("%s: with every lever at its value the run differs from the "
                                  "baseline" % i)

            # The lever that moves: the first one, to the end of its range furthest from its value.
            lever = info["levers"][0]
            target = lever["max"] if lever["max"] - lever["value"] >= lever["value"] - lever["min"] \
                else lever["min"]
            selector = '#levers input[data-lever="%s"]' % lever["id"]
            t_move = time.monotonic()
            # Two quick moves: the page must end up drawing the second.
            set_slider(driver, selector, lever["value"])
            set_slider(driver, selector, target)
            count = wait_for_run(driver, count)
            print("run after moving %s to %s drawn in %.1f s"
                  % (lever["id"], target, time.monotonic() - t_move))
            last = driver.execute_script("return window.airace.lastRun;")
            if last["levers"].get(lever["id"]) != target:
                raise Failure("the run has %s = %r, the slider says %r"
                              % (lever["id"], last["levers"].get(lever["id"]), target))
            shown = driver.find_element("id", "lever-%s-value" % lever["id"]).text
            if not shown:
                raise Failure("the slider shows no value")

            after = dict(snapshot(driver, indicator_ids))
            changed = [i for i in indicator_ids if run_median(after[i]) != run_median(before[i])]
            if not changed:
                raise Failure("no chart changed after moving %s" % lever["id"])
            differs = [i for i in indicator_ids if run_median(after[i]) != baseline_median(after[i])]
            if not differs:
                raise Failure("every run median still equals the baseline's")
            for i in indicator_ids:
                if baseline_median(after[i]) != baseline_median(before[i]):
                    raise Failure("%s: the baseline changed when a lever moved" % i)
                bands = datasets_by_label(after[i])
                if len(bands["95th percentile"]) != len(after[i]["labels"]):
                    raise Failure("%s: the 5-95%% band has %d points for %d dates"
                                  % (i, len(bands["95th percentile"]), len(after[i]["labels"])))
            print("charts changed: %s" % ", ".join(changed))

            for kind, link_id in (("yaml", "download-yaml"), ("h5", "download-h5")):
                href = driver.find_element("id", link_id).get_attribute("href")
                if not href or href.endswith("#"):
                    raise Failure("#%s has no address" % link_id)
                check_download(server, "/" + href.split("/", 3)[3], kind)
            if last["downloads"]["yaml"] not in driver.find_element("id", "download-yaml") \
                    .get_attribute("href"):
                raise Failure("#download-yaml does not point at the latest run")

            errors = console_errors(driver)
            if errors:
                raise Failure("the browser console logged errors:\n  " + "\n  ".join(errors))
            driver.save_screenshot(str(outdir / "dashboard.png"))
            check_phone_layout(driver, outdir)
        finally:
            driver.quit()
        if not server.alive():
            raise Failure("the server died")
    print("e2e dashboard: %.1f s" % (time.monotonic() - t0))


if __name__ == "__main__":
    main_guard(main)
