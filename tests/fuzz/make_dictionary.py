#!/usr/bin/env python3
"""Writes the libFuzzer dictionary of the loaders (airace.dict) from `airace describe`: every key
and every word a choice accepts, the sweep file's keys, and the YAML syntax around them.

    python3 tests/fuzz/make_dictionary.py build/release/airace > tests/fuzz/airace.dict
"""
import re
import subprocess
import sys

described = subprocess.run([sys.argv[1], "describe"], capture_output=True, text=True,
                           check=True).stdout
words = set()
for line in described.splitlines():
    if line and not line.startswith(" "):
        words.update(w for w in re.split(r"[.\[\]]+", line) if re.fullmatch(r"\w+", w))
    m = re.search(r"type: one of: (.*?)   unit", line)
    if m:
        words.update(m.group(1).split())
# docs/sweeps.md: the keys of a sweep file, and the names of the distributions.
words.update("""sweep base seed replicates design type points levels base_rows second_order
    trajectories morris grid latin_hypercube
    sobol saltelli parameters key range scale linear log values metrics series entity value_at
    max_drawdown first_crossing mean threshold direction up down from to relative keep_series
    extends remove distribution uniform normal lognormal lognormal_80 low high median sigma sd
    p10 p90 uncertainty correlations between rank_correlation true false""".split())

tokens = [w + ": " for w in sorted(words)] + sorted(words)
tokens += ["- ", "- id: ", "{", "}", "[", "]", ", ", ": ", "\n", "\n  ", "\n  - ", "#", "'", '"',
           "&a ", "*a", "---", "...", "!!str ", "? ", "|\n", ">\n", "~", "null", ".inf", "-.inf",
           ".nan", "1e308", "-1", "0", "0.5", "9223372036854775807", "2022-01-01", "2030-12",
           "9999-12-31", "../baseline.yaml", "fuzz_input.yaml", "../whatif/no_2023_rule.yaml",
           "../../tests/data/small.yaml", "indicators/us_cn_gap_months",
           "indicators/compute_h100e", "{country: CN}", "US", "CN"]
for t in tokens:
    escaped = t.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\x0A")
    print(f'"{escaped}"')
