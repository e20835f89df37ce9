"""Every teaching scenario runs, and its chart moves the way docs/teaching.md says it does.

Usage: check_teaching.py AIRACE_BINARY OUTPUT_DIR

Each file of scenarios/teaching/ and the baseline run with their default replicates and seed,
so `airace compare` pairs them by replicate, and with the uncertain parameters at their medians
(`--fixed-parameters`), as docs/teaching.md's claims are made. Each runs only to the end of the last year that a
claim needs from it, which keeps the test fast (the days before are the same as in a full
run). For each claim of the guide, the median difference (scenario minus its base: the
baseline, unless the claim names another teaching scenario) must have the expected sign and
at least the stated size, and its 90% interval must exclude 0. The test fails when a teaching
scenario has no claim here, and when docs/teaching.md does not name every file.

Claims are directions with a rough lower bound on their size, not exact figures: the baseline
is recalibrated from time to time, and the guide states only what should survive that.
"""
import collections
import csv
import pathlib
import subprocess
import sys

# at_least: the smallest size of the median difference that counts; a number is in the
# series' unit, a string "N%" is relative to the base's median. at_most: an upper bound, for
# claims that something moves only a little. band=False: only the median is checked, for
# series whose difference is 0 in part of the replicates (a release that draws no attention).
Claim = collections.namedtuple(
    "Claim", "series entity date sign at_least why base at_most band",
    defaults=("baseline", None, True))

EXPECTED = {
    "leading_lab_goes_open": [
        Claim("indicators/open_closed_gap_months", "", "2024-12-01", -1, 2,
              "the best open model is the frontier"),
    ],
    "scarcity_off": [
        Claim("indicators/us_cn_gap_months", "", "2025-12-01", +1, 2,
              "Chinese labs no longer innovate around scarcity"),
    ],
    "scarcity_strong": [
        Claim("indicators/us_cn_gap_months", "", "2027-12-01", -1, 2,
              "Chinese labs innovate harder around scarcity"),
    ],
    "controls_2023_skipped": [
        Claim("indicators/compute_h100e", "CN", "2025-12-01", +1, "5%",
              "A800 and H800 stay legal for China"),
        Claim("indicators/cn_domestic_share", "", "2025-12-01", -1, 0.02,
              "imported chips crowd out domestic ones"),
    ],
    "controls_2023_with_h20": [
        Claim("indicators/compute_h100e", "CN", "2025-12-01", -1, "5%",
              "China loses the H20"),
        Claim("indicators/cn_domestic_share", "", "2025-12-01", +1, 0.02,
              "Chinese buyers turn to Ascend chips"),
    ],
    "enforcement_half": [
        Claim("indicators/cn_smuggled_h100e", "", "2025-12-01", +1, "25%", "more smuggling"),
        Claim("indicators/remote_access_h100e", "CN", "2025-12-01", +1, "25%",
              "more compute rented abroad"),
        Claim("indicators/compute_h100e", "CN", "2025-12-01", +1, "0.5%",
              "China's compute moves only a little", at_most="15%"),
    ],
    "enforcement_double": [
        Claim("indicators/cn_smuggled_h100e", "", "2025-12-01", -1, "25%", "less smuggling"),
        Claim("indicators/remote_access_h100e", "CN", "2025-12-01", -1, "25%",
              "less compute rented abroad"),
        Claim("indicators/compute_h100e", "CN", "2025-12-01", -1, "0.5%",
              "China's compute moves only a little", at_most="15%"),
    ],
    "huawei_yields_double": [
        Claim("indicators/cn_domestic_share", "", "2028-12-01", +1, 0.03,
              "more working chips per wafer once the die bank is used up"),
    ],
    "chip_subsidy_triple": [
        Claim("indicators/cn_domestic_share", "", "2025-12-01", +1, 0.05,
              "more fab capacity"),
        Claim("indicators/cn_domestic_share", "", "2025-12-01", +1, 0.03,
              "money beats yields in the model", base="huawei_yields_double"),
    ],
    "taiwan_outage_2027": [
        Claim("indicators/compute_h100e", "US", "2027-12-01", -1, "20%",
              "no Nvidia or AMD chips in 2027"),
        Claim("indicators/cn_domestic_share", "", "2027-12-01", +1, 0.03,
              "China's own chips keep coming"),
    ],
    "taiwan_outage_2027_no_scarcity": [
        Claim("indicators/best_capability", "US", "2028-12-01", -1, 0.05,
              "without the scarcity hypothesis, less compute means a weaker US frontier",
              base="scarcity_off"),
    ],
    "deepseek_closed": [
        # R1 is priced when its attention peaks, 4 to 6 days after its release (docs/model.md
        # "Attention"): the value after the last of those days carries it in every replicate.
        Claim("markets/market_cap_usd", "nvidia", "2025-02-14", +1, "5%",
              "a closed release is a claim investors discount", band=False),
        Claim("indicators/cn_open_share_abroad", "", "2025-12-01", -1, "20%",
              "DeepSeek's models reach abroad only through its API"),
    ],
    "us_reach_abroad_cut": [
        Claim("indicators/cn_open_share_abroad", "", "2025-12-01", +1, 0.03,
              "adopters abroad turn to Chinese open models"),
        Claim("labs/revenue_usd_per_year", "openai", "2025-12-01", -1, "20%",
              "OpenAI sells less abroad"),
        Claim("indicators/cn_open_share_abroad", "", "2025-12-01", +1, 0.02,
              "reach moves more adopters than content controls",
              base="cn_content_controls_off"),
    ],
    "race_to_the_bottom": [
        # Median only: where a severe incident has brought the US evaluation rule, both runs
        # hold OpenAI at the rule's floor and the difference is 0.
        Claim("safety/effort", "openai", "2027-12-01", -1, "15%",
              "OpenAI gives up more of its safety effort to the race", band=False),
        Claim("safety/race_pressure", "openai", "2027-12-01", +1, 0.05,
              "rivals at home press as hard as rivals abroad"),
    ],
    "cn_content_controls_off": [
        Claim("indicators/cn_open_share_abroad", "", "2025-12-01", +1, 0.01,
              "Chinese models lose what adopters abroad dislike"),
    ],
}


def size_of(bound, base_median):
    if isinstance(bound, str):
        return float(bound.rstrip("%")) / 100 * abs(base_median)
    return bound


def check(airace, outdir, name, claim):
    base = outdir / f"{claim.base}.h5"
    table = outdir / f"{name}_vs_{claim.base}.csv"
    subprocess.run([airace, "compare", str(base), str(outdir / f"{name}.h5"), "--series",
                    claim.series, "--at", claim.date, "--csv", str(table)],
                   check=True, stdout=subprocess.DEVNULL)
    rows = [r for r in csv.DictReader(open(table)) if r["entity"] == claim.entity]
    if len(rows) != 1:
        print(f"{name}: expected one row of {claim.series} for '{claim.entity}', "
              f"found {len(rows)}")
        return False
    r = rows[0]
    d, base_median = float(r["difference_median"]), float(r["base_median"])
    at_least = size_of(claim.at_least, base_median)
    ok = (d * claim.sign >= at_least and r["pairing"] == "paired"
          and (r["beyond_noise"] == "1" or not claim.band))
    if claim.at_most is not None:
        ok = ok and abs(d) <= size_of(claim.at_most, base_median)
    bounds = f"at least {claim.at_least}" + (
        f", at most {claim.at_most}" if claim.at_most is not None else "")
    print(f"{name:31s} vs {claim.base}: {claim.series} [{claim.entity}] {r['date']}: "
          f"{r['base_median']} -> {r['whatif_median']}, difference {d:+.4g} "
          f"[{float(r['difference_p05']):+.4g}, {float(r['difference_p95']):+.4g}]; expected "
          f"{'+' if claim.sign > 0 else '-'} {bounds} ({claim.why}) "
          f"{'ok' if ok else 'WRONG'}")
    return ok


def main():
    airace, outdir = sys.argv[1], pathlib.Path(sys.argv[2])
    outdir.mkdir(parents=True, exist_ok=True)
    teaching = sorted(p.stem for p in pathlib.Path("scenarios/teaching").glob("*.yaml"))
    assert teaching, "no scenarios in scenarios/teaching/"
    missing = sorted(set(teaching) - {n for n, claims in EXPECTED.items() if claims})
    assert not missing, f"teaching scenarios without a stated expectation in this test: {missing}"
    stale = sorted(set(EXPECTED) - set(teaching))
    assert not stale, f"expectations for teaching scenarios that do not exist: {stale}"
    bases = {c.base for claims in EXPECTED.values() for c in claims} - {"baseline"}
    assert bases <= set(teaching), f"claims against unknown bases: {bases - set(teaching)}"
    guide = pathlib.Path("docs/teaching.md").read_text()
    unnamed = [f"{n}.yaml" for n in teaching if f"{n}.yaml" not in guide]
    assert not unnamed, f"docs/teaching.md does not mention {unnamed}"

    # The last year each run must cover: its own claims' and those of the claims it is base to.
    last_year = collections.defaultdict(int)
    for name, claims in EXPECTED.items():
        for c in claims:
            for run in (name, c.base):
                last_year[run] = max(last_year[run], int(c.date[:4]))
    for name in ["baseline"] + teaching:
        path = ("scenarios/baseline.yaml" if name == "baseline"
                else f"scenarios/teaching/{name}.yaml")
        subprocess.run([airace, "run", path, "-q", "--fixed-parameters",
                        "-o", str(outdir / f"{name}.h5"), "--set",
                        f"scenario.end={last_year[name]}-12-31"], check=True)
    failures = [name for name in teaching for claim in EXPECTED[name]
                if not check(airace, outdir, name, claim)]
    if failures:
        sys.exit(f"teaching scenarios not moving as docs/teaching.md says: "
                 f"{sorted(set(failures))}")


if __name__ == "__main__":
    main()
