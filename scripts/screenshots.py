"""Screenshots of `airace serve` for docs/teaching.md, taken in headless Chromium at 1400x1000.

    /usr/bin/python3 scripts/screenshots.py AIRACE_BINARY [OUTDIR]   # OUTDIR: docs/screenshots

dashboard.png: the dashboard after moving the first US lever (its run against the baseline).
wargame_turn.png: the facilitator's view after one turn in which both teams changed a lever,
with the US team's decision for the next turn already submitted.
"""
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "python"))
from serve_util import Failure, Server, chromium, set_slider, wait_for  # noqa: E402


def on_grid(lever, steps):
    """The lever's value moved by `steps` steps, kept inside its range."""
    v = lever["value"] + steps * lever["step"]
    v = min(max(v, lever["min"]), lever["max"])
    return round(lever["min"] + round((v - lever["min"]) / lever["step"]) * lever["step"], 12)


def dashboard(server, info, out):
    driver = chromium(1400, 1000)
    try:
        driver.get(server.url)
        wait_for("the first run", lambda: driver.execute_script(
            "return window.airace && window.airace.runCount >= 1 &&"
            " document.getElementById('status').dataset.state === 'done';"), 180)
        lever = next(l for l in info["levers"] if l["team"] == "us")
        set_slider(driver, '#levers input[data-lever="%s"]' % lever["id"], on_grid(lever, 4))
        wait_for("the run after moving %s" % lever["id"], lambda: driver.execute_script(
            "return window.airace.runCount >= 2 &&"
            " document.getElementById('status').dataset.state === 'done';"), 180)
        time.sleep(0.3)
        driver.execute_script("window.scrollTo(0, 0);")
        driver.save_screenshot(str(out / "dashboard.png"))
    finally:
        driver.quit()


def wargame(server, info, out):
    levers = {t["id"]: next(l for l in info["levers"] if l["team"] == t["id"])
              for t in info["teams"]}
    driver = chromium(1400, 1000)
    try:
        driver.get(server.url + "#wargame")
        field = wait_for("the join form", lambda: driver.find_element("id", "join-code"), 30)
        field.send_keys(server.facilitator)
        driver.find_element("id", "join-button").click()
        wait_for("the facilitator's view", lambda: driver.execute_script(
            "return document.getElementById('game-turn').dataset.turn;"), 30)
        first = server.json("GET", "/api/game/state", code=server.facilitator)["turn"]
        for team, lever in levers.items():
            server.json("POST", "/api/game/submit", {"levers": {lever["id"]: on_grid(lever, 4)}},
                        code=server.team_code(team))
        us = levers["us"]
        server.json("POST", "/api/game/submit", {"levers": {us["id"]: on_grid(us, 6)}},
                    code=server.team_code("us"))
        wait_for("the facilitator's view of turn %d" % (first + 1), lambda: driver.execute_script(
            "return document.getElementById('game-turn').dataset.turn == arguments[0] &&"
            " document.querySelector('#submitted-list li[data-team=\"us\"]').dataset.submitted"
            " === 'true';", first + 1), 60)
        time.sleep(0.3)
        driver.execute_script("window.scrollTo(0, 0);")
        driver.save_screenshot(str(out / "wargame_turn.png"))
    finally:
        driver.quit()


def main():
    binary = sys.argv[1]
    out = pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    with Server(binary) as server:
        info = server.json("GET", "/api/info")
        dashboard(server, info, out)
        wargame(server, info, out)
    for name in ("dashboard.png", "wargame_turn.png"):
        print(out / name)


if __name__ == "__main__":
    try:
        main()
    except Failure as e:
        print("FAILED: %s" % e)
        sys.exit(1)
