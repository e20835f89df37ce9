"""The dashboard of `airace serve` in headless Chromium: moving a slider reruns the ensemble and
redraws the charts.

    /usr/bin/python3 tests/python/e2e_dashboard.py AIRACE_BINARY OUTDIR

Starts the server on the seminar scenario, opens the page, waits for the first run (every lever
at its scenario value: the run's median equals the baseline's), moves one lever to the far end
of its range and waits for the next run. Checks that the page sent that lever's value, that the
drawn run differs from the first one and from the baseline (drawn unchanged), that every
indicator of /api/info has its chart, that the download links answer 200 with a YAML scenario
and an HDF5 file, and that the browser console logged no error. Exits 1 naming what failed.
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
        finally:
            driver.quit()
        if not server.alive():
            raise Failure("the server died")
    print("e2e dashboard: %.1f s" % (time.monotonic() - t0))


if __name__ == "__main__":
    main_guard(main)
