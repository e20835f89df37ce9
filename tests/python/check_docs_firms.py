#!/usr/bin/python3
"""The firm tables of docs/model.md §3.3.7 state what scenarios/baseline.yaml sets: every firm,
in order, with its country, index membership, start value, loadings, own noise and earnings-day
move, and the fitted noise, report day and report size (*Every firm's own noise and earnings
days*), as the program reads them (`airace describe --values`), so docs cannot drift from the
scenario they describe.

Usage: tests/python/check_docs_firms.py AIRACE_BINARY [REPO_ROOT]
"""
import os
import re
import subprocess
import sys

COLUMNS = ["country", "index", "market_cap_usd", "compute_exposure", "margins_exposure",
           "china_substitution_exposure", "market_exposure", "idiosyncratic_volatility_per_year",
           "earnings_day_volatility"]
# What the program takes for a key the scenario leaves out (airace describe firms[]).
DEFAULTS = {"index": "false", "compute_exposure": "0", "margins_exposure": "0",
            "china_substitution_exposure": "0", "market_exposure": "1",
            "idiosyncratic_volatility_per_year": "0.25", "earnings_day_volatility": "0"}


def baseline_firms(airace, root):
    """Ids in order and each one's values of COLUMNS, as `airace describe --values` lists them."""
    out = subprocess.run([airace, "describe", "--values", "scenarios/baseline.yaml", "firms"],
                         cwd=root, capture_output=True, text=True, check=True).stdout
    order, values = [], {}
    for line in out.splitlines():
        m = re.match(r"firms\[([a-z0-9_]+)\]\.([a-z_0-9]+) = (.*)$", line)
        if not m:
            continue
        fid, key, value = m.groups()
        if fid not in values:
            order.append(fid)
            values[fid] = {}
        values[fid][key] = value.strip()
    return order, values


def same(doc_cell, value):
    try:
        return abs(float(doc_cell.replace("−", "-")) - float(value)) <= 1e-12 * max(
            1.0, abs(float(value)))
    except ValueError:
        return doc_cell == value


def main():
    airace = os.path.abspath(sys.argv[1])
    root = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "..")
    order, values = baseline_firms(airace, root)
    with open(os.path.join(root, "docs", "model.md")) as fh:
        lines = fh.read().split("\n")
    head = next(i for i, l in enumerate(lines) if l.startswith("| Firm (`firms[]`) | Listed"))
    rows = []
    for line in lines[head + 2:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip("|").split("|")])
    bad = []
    if len(rows) != len(order):
        bad.append("the table has %d firms, the baseline %d" % (len(rows), len(order)))
    for row, fid in zip(rows, order):
        doc_id = re.search(r"\(`([a-z0-9_]+)`", row[0]).group(1)
        if doc_id != fid:
            bad.append("row %s where the baseline has %s" % (doc_id, fid))
            continue
        for col, cell in zip(COLUMNS, row[1:]):
            want = values[fid].get(col, DEFAULTS.get(col, ""))
            if not same(cell, want):
                bad.append("%s.%s: docs %s, baseline %s" % (fid, col, cell, want))
    # The fitted values: firm (by name), own noise (and what it was), report day, report size.
    names = {values[fid].get("name", fid): fid for fid in order}
    head = next(i for i, l in enumerate(lines)
                if l.startswith("| Firm | `idiosyncratic_volatility_per_year` (1/√year; was)"))
    fitted = 0
    for line in lines[head + 2:]:
        if not line.startswith("|"):
            break
        name, noise, report_day, size = [c.strip() for c in line.strip("|").split("|")]
        fid = names.get(name)
        if fid is None:
            bad.append("fitted table: no firm named %s" % name)
            continue
        fitted += 1
        v = values[fid]
        checks = [("idiosyncratic_volatility_per_year", noise.split(" ")[0]),
                  ("earnings_day", report_day), ("earnings_day_volatility", size)]
        for key, cell in checks:
            want = v.get(key, DEFAULTS.get(key, "—"))
            if cell == "—" and want in ("—", "0"):
                continue
            if not same(cell, want):
                bad.append("fitted table %s.%s: docs %s, baseline %s" % (fid, key, cell, want))
    for b in bad:
        print("MISMATCH", b)
    print("%d firms and %d fitted checked: %s"
          % (len(rows), fitted, "the tables state the baseline" if not bad else
             "%d mismatches" % len(bad)))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
