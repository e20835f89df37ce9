"""scripts/safety_report.py reports a what-if against its base: incident probabilities by year,
and the US-CN gap's change with the probability of each sign (docs/model.md §3.3.8).

Usage: check_safety_report.py AIRACE_BINARY OUTPUT_DIR

The baseline and the unilateral US pause run with the same seed, 8 drawn replicates, to the end
of 2028. The report must give a line for every year with probabilities in [0, 1], pair the two
runs, and show the pause narrowing the gap in 2028 in most replicates. A run of another seed
must be refused (exit 2), as must a file without /safety.
"""
import pathlib
import re
import subprocess
import sys

REPORT = ["/usr/bin/python3", "scripts/safety_report.py"]


def run(airace, scenario, out, seed="20220101"):
    subprocess.run([airace, "run", scenario, "-q", "-o", str(out), "--force", "--replicates", "8",
                    "--set", "scenario.end=2028-12-31", "--set", f"run.seed={seed}"], check=True)


def main():
    airace, outdir = sys.argv[1], pathlib.Path(sys.argv[2])
    outdir.mkdir(parents=True, exist_ok=True)
    base, pause, other = outdir / "base.h5", outdir / "pause.h5", outdir / "other_seed.h5"
    run(airace, "scenarios/baseline.yaml", base)
    run(airace, "scenarios/whatif/us_frontier_pause.yaml", pause)
    run(airace, "scenarios/whatif/us_frontier_pause.yaml", other, seed="7")
    text = subprocess.run(REPORT + [str(pause), "--base", str(base)], check=True,
                          capture_output=True, text=True).stdout
    print(text)
    years = re.findall(r"^(20\d\d)  (\d\.\d\d) \[\d+\]\s+(\d\.\d\d) \[\d+\]", text, re.M)
    assert [y for y, _, _ in years] == [str(y) for y in range(2022, 2029)], years
    for _, serious, severe in years:
        assert 0.0 <= float(serious) <= 1.0 and 0.0 <= float(severe) <= 1.0
    rows = re.findall(r"^(20\d\d)  P\(a severe incident.*US-CN gap change ([+-]\d\.\d\d) "
                      r"\[.*P\(>0\) (\d\.\d\d), P\(<0\) (\d\.\d\d)", text, re.M)
    paired = {y: (float(m), float(up), float(down)) for y, m, up, down in rows}
    assert set(paired) == {str(y) for y in range(2022, 2029)}, paired
    assert paired["2026"] == (0.0, 0.0, 0.0), paired["2026"]  # before the pause: the same run
    median, p_up, p_down = paired["2028"]
    assert median < 0 and p_down > 0.5 and p_up + p_down <= 1.0, paired["2028"]
    refused = subprocess.run(REPORT + [str(other), "--base", str(base)], capture_output=True,
                             text=True)
    assert refused.returncode == 2 and "cannot be paired" in refused.stderr, refused
    missing = subprocess.run(REPORT + [str(outdir / "nothing.h5")], capture_output=True, text=True)
    assert missing.returncode == 2, missing
    print("safety report: ok")


if __name__ == "__main__":
    main()
