"""A two-team wargame of `airace serve` played through the page in headless Chromium, and its
export rerun with `airace run`.

    /usr/bin/python3 tests/python/e2e_wargame.py AIRACE_BINARY OUTDIR

Three browsers join with their codes: the US team, China's team and the facilitator. Each team
sees only its own levers. Three turns are played: in turns 1 and 3 both teams move a lever and
submit (the turn runs when the last one does); in turn 2 only the US submits and the facilitator
clicks Advance. In turn 1 the US proposes the scenario's first agreement and China accepts it;
in turn 3 China breaks it: every page shows it in force, then broken. After each turn every page
shows the new turn, and the digest of the turn that ran. Then the facilitator's exports (/api/game/export.yaml and .h5) are fetched, the YAML is
rerun with `airace run`, and every dataset outside /meta of both HDF5 files must be identical
bit for bit (NaN equal to NaN); /meta/decisions must list every decision made (the agreement's
signing once for each team, its breaking with China's). The browser
consoles must log no error. The world charts must show the game's window: their axis starts a
year before the first turn (the history before the first turn faded) and runs to the game's
end. Exits 1 naming what failed.
"""
import csv
import io
import math
import pathlib
import subprocess
import sys
import time

import h5py
import numpy as np

from serve_util import (Failure, Server, chromium, console_errors, main_guard, set_slider,
                        wait_for)


def join(driver, url, code):
    driver.get(url + "#wargame")
    wait_for("the join form", lambda: driver.find_element("id", "join-code").is_displayed(), 30)
    field = driver.find_element("id", "join-code")
    field.clear()
    field.send_keys(code)
    driver.find_element("id", "join-button").click()
    wait_for("the game view after joining", lambda: turn_of(driver) >= 0, 30)


def turn_of(driver):
    """The turn the page shows, or -1 before it shows one."""
    shown = driver.execute_script(
        "const t = document.getElementById('game-turn');"
        "return document.getElementById('game').hidden ? '' : t.dataset.turn;")
    return int(shown) if shown not in (None, "") else -1


def wait_for_turn(drivers, turn, timeout_s=120):
    """Wait until every page shows `turn` and the digest of the turn before; that digest."""
    for name, d in drivers.items():
        wait_for("%s's page to show turn %d" % (name, turn), lambda: turn_of(d) == turn, timeout_s)
        digest = d.execute_script(
            "const ul = document.getElementById('digest');"
            "return [ul.dataset.turn, Array.from(ul.children).map((li) => li.textContent)];")
        if str(digest[0]) != str(turn - 1) or not any(s.strip() for s in digest[1]):
            raise Failure("%s's page shows no digest of turn %d: %r" % (name, turn - 1, digest))
    return digest[1]


def wait_submitted(driver, team, timeout_s=10):
    wait_for("the facilitator to see that %s submitted" % team, lambda: driver.execute_script(
        "const li = document.querySelector('#submitted-list li[data-team=\"%s\"]');"
        "return li && li.dataset.submitted === 'true';" % team), timeout_s)


def move_and_submit(driver, lever, value):
    """Set the team's slider and click Submit; the value the slider settled on."""
    got = set_slider(driver, '#team-levers input[data-lever="%s"]' % lever, value)
    if got is None:
        raise Failure("no slider for %s on the team's page" % lever)
    driver.find_element("id", "submit-decisions").click()
    return got


def agreement_status(driver, agreement):
    """The status the agreements panel shows for `agreement` ('' when it shows none)."""
    return driver.execute_script(
        "const li = document.querySelector('#agreements li[data-agreement=\"' + arguments[0] + "
        "'\"]'); return li ? li.dataset.status : '';", agreement)


def agreement_move(driver, agreement, move):
    """Click the team's button for `move` on `agreement` (confirming a break), once it shows."""
    selector = '#agreements li[data-agreement="%s"] button[data-move="%s"]' % (agreement, move)
    wait_for("the %s button of %s" % (move, agreement),
             lambda: driver.find_elements("css selector", selector), 30)
    driver.find_element("css selector", selector).click()
    if move == "break":
        driver.switch_to.alert.accept()


def wait_agreement(drivers, agreement, status, timeout_s=30):
    for name, d in drivers.items():
        wait_for("%s's page to show %s %s" % (name, agreement, status),
                 lambda: agreement_status(d, agreement) == status, timeout_s)


def target(lever, k):
    """The k-th value of the lever's step grid from its minimum, kept inside its range."""
    n = int(round((lever["max"] - lever["min"]) / lever["step"]))
    return lever["min"] + lever["step"] * (k % (n + 1))


def compare_h5(exported, rerun):
    """Every problem found comparing the datasets outside /meta of the two files."""
    problems = []
    names = {}
    for path, f in (("export", exported), ("rerun", rerun)):
        found = []
        f.visititems(lambda name, obj: found.append(name)
                     if isinstance(obj, h5py.Dataset) and not name.startswith("meta") else None)
        names[path] = set(found)
    for missing in sorted(names["export"] ^ names["rerun"]):
        problems.append("%s is in only one of the files" % missing)
    compared = 0
    for name in sorted(names["export"] & names["rerun"]):
        a, b = exported[name], rerun[name]
        if a.shape != b.shape or a.dtype != b.dtype:
            problems.append("%s: %s %s against %s %s" % (name, a.shape, a.dtype, b.shape, b.dtype))
            continue
        x, y = a[()], b[()]
        if a.dtype.kind == "f":
            nan = np.isnan(x) & np.isnan(y)
            same = (x == y) & (np.signbit(x) == np.signbit(y)) | nan
            if not np.all(same):
                i = np.argwhere(~same)[0]
                problems.append("%s differs at %s: %r against %r"
                                % (name, tuple(i), x[tuple(i)], y[tuple(i)]))
        elif a.dtype.kind in "iub":
            if not np.array_equal(x, y):
                problems.append("%s differs" % name)
        else:  # strings (labels of a dimension), compounds
            if np.asarray(x).tolist() != np.asarray(y).tolist():
                problems.append("%s differs" % name)
        compared += 1
    return compared, problems


def check_window(driver):
    """Every world chart spans a year before the first turn to the game's end, the part
    before the first turn faded."""
    charts = driver.execute_script("""
      const first = window.airace.info.game.first_turn, end = window.airace.game.end;
      return Object.entries(window.airace.gameCharts).map(([id, c]) => {
        const labels = c.data.labels;
        return [id, first, end, labels[c.scales.x.min], labels[labels.length - 1],
                c.options.plugins.airaceMarkers.fadeBefore];
      });""")
    if not charts:
        raise Failure("the wargame shows no world charts")
    for chart_id, first, end, shown_from, shown_to, faded in charts:
        year_before = "%04d%s" % (int(first[:4]) - 1, first[4:])
        if shown_from is None or not year_before <= shown_from < first:
            raise Failure("%s: the axis starts at %s, not in the year before the first turn %s"
                          % (chart_id, shown_from, first))
        months_short = (int(end[:4]) * 12 + int(end[5:7])) - (
            int(shown_to[:4]) * 12 + int(shown_to[5:7])) if shown_to else None
        if shown_to is None or shown_to > end or months_short > 1:
            raise Failure("%s: the axis ends at %s, not at the game's end %s"
                          % (chart_id, shown_to, end))
        if faded != first:
            raise Failure("%s: the history before %s is not faded (%r)" % (chart_id, first, faded))
    print("world charts: %s to %s, faded before %s" % (charts[0][3], charts[0][4], charts[0][1]))


def main():
    binary, outdir = sys.argv[1], pathlib.Path(sys.argv[2])
    outdir.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    with Server(binary) as server:
        info = server.json("GET", "/api/info")
        levers = {t["id"]: [l for l in info["levers"] if l["team"] == t["id"]] for t in info["teams"]}
        if set(levers) != {"us", "cn"} or not levers["us"] or not levers["cn"]:
            raise Failure("expected teams us and cn with levers, got %s"
                          % {k: [l["id"] for l in v] for k, v in levers.items()})
        drivers = {}
        try:
            for name in ("us", "cn", "facilitator"):
                drivers[name] = chromium()
            join(drivers["us"], server.url, server.team_code("us"))
            join(drivers["cn"], server.url, server.team_code("cn"))
            join(drivers["facilitator"], server.url, server.facilitator)
            print("three pages joined after %.1f s" % (time.monotonic() - t0))
            for team in ("us", "cn"):
                shown = drivers[team].execute_script(
                    "return Array.from(document.querySelectorAll('#team-levers [data-lever]'))"
                    ".map((e) => e.dataset.lever);")
                if sorted(shown) != sorted(l["id"] for l in levers[team]):
                    raise Failure("team %s sees levers %s" % (team, shown))
            shown = drivers["facilitator"].execute_script(
                "return document.querySelectorAll('#pending-table tbody tr').length;")
            if shown != len(info["levers"]):
                raise Failure("the facilitator's table has %d rows for %d levers"
                              % (shown, len(info["levers"])))

            us, cn = levers["us"][0], levers["cn"][0]
            if not info.get("agreements"):
                raise Failure("the seminar scenario declares no agreements")
            pact = info["agreements"][0]["id"]
            decisions = []  # (turn, team, lever id, value)
            turn_dates = {}
            first = turn_of(drivers["facilitator"])
            wait_agreement(drivers, pact, "none")
            for turn in (first, first + 1, first + 2):
                turn_dates[turn] = drivers["facilitator"].find_element(
                    "id", "game-turn").get_attribute("data-date")
                t_turn = time.monotonic()
                if turn == first:  # proposed by the US, accepted by China
                    agreement_move(drivers["us"], pact, "propose")
                    wait_agreement(drivers, pact, "proposed")
                    agreement_move(drivers["cn"], pact, "accept")
                    wait_agreement(drivers, pact, "in_force")
                if turn == first + 2:  # broken by China
                    agreement_move(drivers["cn"], pact, "break")
                    wait_agreement(drivers, pact, "broken")
                value = move_and_submit(drivers["us"], us["id"], target(us, 2 * turn + 1))
                decisions.append((turn, "us", us["id"], value))
                if turn == first + 1:
                    wait_submitted(drivers["facilitator"], "us")
                    drivers["facilitator"].find_element("id", "game-advance").click()
                else:
                    value = move_and_submit(drivers["cn"], cn["id"], target(cn, 3 * turn + 2))
                    decisions.append((turn, "cn", cn["id"], value))
                digest = wait_for_turn(drivers, turn + 1)
                print("turn %d ran in %.1f s (%s); digest: %s"
                      % (turn, time.monotonic() - t_turn,
                         "facilitator advanced" if turn == first + 1 else "both submitted",
                         " / ".join(digest)))
            history = drivers["us"].execute_script(
                "return document.querySelectorAll('#history > li').length;")
            if history != 3:
                raise Failure("the history lists %d turns, not 3" % history)
            drivers["facilitator"].save_screenshot(str(outdir / "wargame_turn.png"))
            check_window(drivers["us"])
            for name, d in drivers.items():
                errors = console_errors(d)
                if errors:
                    raise Failure("%s's console logged errors:\n  %s" % (name, "\n  ".join(errors)))
        finally:
            for d in drivers.values():
                d.quit()

        state = server.json("GET", "/api/game/state", code=server.facilitator)
        if state["turn"] != first + 3 or len(state["history"]) != 3:
            raise Failure("after three turns the state says turn %s with %d in the history"
                          % (state["turn"], len(state["history"])))
        # A team's code exports too (the contract: any code).
        for route in ("/api/game/export.yaml", "/api/game/export.h5"):
            status, _, _ = server.request("GET", route, code=server.team_code("cn"))
            if status != 200:
                raise Failure("%s with a team's code answered %d" % (route, status))
        files = {}
        for route, name in (("/api/game/export.yaml", "export.yaml"),
                            ("/api/game/export.h5", "export.h5")):
            status, _, body = server.request("GET", route, code=server.facilitator)
            if status != 200:
                raise Failure("%s answered %d: %s" % (route, status, body[:300]))
            files[name] = outdir / name
            files[name].write_bytes(body)
        if not server.alive():
            raise Failure("the server died")

    rerun = outdir / "rerun.h5"
    if rerun.exists():
        rerun.unlink()
    cmd = [binary, "run", str(files["export.yaml"]), "-q", "-o", str(rerun)]
    print("+", " ".join(cmd), flush=True)
    t_run = time.monotonic()
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise Failure("airace run of the export failed (%d): %s" % (done.returncode, done.stderr))
    print("rerun took %.1f s" % (time.monotonic() - t_run))

    with h5py.File(files["export.h5"], "r") as exported, h5py.File(rerun, "r") as again:
        compared, problems = compare_h5(exported, again)
        if "meta/decisions" not in exported:
            problems.append("export.h5 has no /meta/decisions")
            rows = []
        else:
            raw = exported["meta/decisions"][()]
            text = raw.decode() if isinstance(raw, bytes) else str(raw)
            reader = csv.DictReader(io.StringIO(text))
            rows = list(reader)
            columns = reader.fieldnames or []
            if columns != ["date", "team", "id", "set", "value"]:
                problems.append("/meta/decisions has columns %s, not date,team,id,set,value"
                                % columns)
    if compared == 0:
        problems.append("no dataset compared: the files hold no series")
    set_of = {l["id"]: l["set"] for l in info["levers"]}
    for turn, team, lever, value in decisions:
        # Each decision is the policy event turn<N>_<lever>, dated on its turn.
        hit = [r for r in rows if r.get("team") == team and r.get("set") == set_of[lever]
               and r.get("id") == "turn%d_%s" % (turn, lever)
               and math.isclose(float(r.get("value", "nan")), value, rel_tol=1e-12, abs_tol=1e-12)]
        if not hit:
            problems.append("/meta/decisions lacks turn %d's %s %s = %r (it has %s)"
                            % (turn, team, lever, value, rows))
        elif hit[0].get("date") != turn_dates[turn]:
            problems.append("/meta/decisions dates turn %d's %s %s = %r on %s, not on the "
                            "turn's date %s" % (turn, team, lever, value, hit[0].get("date"),
                                                turn_dates[turn]))
    # The agreement: signed in the first turn by both teams, broken in the third by China.
    pact_set = info["agreements"][0]["set"]
    pact_rows = [(first, "us", "turn%d_%s_signed_us" % (first, pact), 1.0),
                 (first, "cn", "turn%d_%s_signed_cn" % (first, pact), 1.0),
                 (first + 2, "cn", "turn%d_%s_broken" % (first + 2, pact), 0.0)]
    for turn, team, event, value in pact_rows:
        hit = [r for r in rows if r.get("team") == team and r.get("set") == pact_set
               and r.get("id") == event and r.get("date") == turn_dates[turn]
               and float(r.get("value", "nan")) == value]
        if not hit:
            problems.append("/meta/decisions lacks %s by %s on %s (it has %s)"
                            % (event, team, turn_dates[turn], rows))
    made = {(team, set_of[lever], value) for _, team, lever, value in decisions}
    made |= {(team, pact_set, value) for _, team, _, value in pact_rows}
    for r in rows:
        if not any(r.get("team") == t and r.get("set") == st
                   and math.isclose(float(r.get("value", "nan")), v, rel_tol=1e-12, abs_tol=1e-12)
                   for t, st, v in made):
            problems.append("/meta/decisions lists a decision nobody made: %s" % r)
    if problems:
        raise Failure("the export and its rerun disagree:\n  " + "\n  ".join(problems))
    print("%d datasets identical in export.h5 and its rerun; %d decisions logged"
          % (compared, len(rows)))
    print("e2e wargame: %.1f s" % (time.monotonic() - t0))


if __name__ == "__main__":
    main_guard(main)
