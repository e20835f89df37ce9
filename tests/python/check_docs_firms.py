#!/usr/bin/python3
"""The firm table of docs/model.md §3.3.7 states what scenarios/baseline.yaml sets: every firm,
in order, with its country, index membership, start value, loadings, own noise and earnings-day
move (docs cannot drift from the scenario they describe).

Usage: tests/python/check_docs_firms.py [REPO_ROOT]
"""
import os
import re
import sys

import yaml

COLUMNS = ["country", "index", "market_cap_usd", "compute_exposure", "margins_exposure",
           "china_substitution_exposure", "market_exposure", "idiosyncratic_volatility_per_year",
           "earnings_day_volatility"]
DEFAULTS = {"index": False, "compute_exposure": 0.0, "margins_exposure": 0.0,
            "china_substitution_exposure": 0.0, "market_exposure": 1.0,
            "idiosyncratic_volatility_per_year": 0.25, "earnings_day_volatility": 0.0}


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
    with open(os.path.join(root, "scenarios", "baseline.yaml")) as fh:
        firms = yaml.safe_load(fh)["firms"]
    with open(os.path.join(root, "docs", "model.md")) as fh:
        lines = fh.read().split("\n")
    head = next(i for i, l in enumerate(lines) if l.startswith("| Firm (`firms[]`) | Listed"))
    rows = []
    for line in lines[head + 2:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip("|").split("|")])
    bad = []
    if len(rows) != len(firms):
        bad.append("the table has %d firms, the baseline %d" % (len(rows), len(firms)))
    for row, firm in zip(rows, firms):
        fid = re.search(r"\(`([a-z0-9_]+)`", row[0]).group(1)
        if fid != firm["id"]:
            bad.append("row %s where the baseline has %s" % (fid, firm["id"]))
            continue
        for col, cell in zip(COLUMNS, row[1:]):
            want = firm.get(col, DEFAULTS.get(col))
            if col == "country":
                ok = cell == want
            elif col == "index":
                ok = cell == str(bool(want)).lower()
            else:
                ok = abs(float(cell.replace("−", "-")) - float(want)) <= 1e-12 * max(1.0, abs(float(want)))
            if not ok:
                bad.append("%s.%s: docs %s, baseline %s" % (fid, col, cell, want))
    for b in bad:
        print("MISMATCH", b)
    print("%d firms checked: %s" % (len(rows), "the table states the baseline" if not bad else
                                     "%d mismatches" % len(bad)))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
