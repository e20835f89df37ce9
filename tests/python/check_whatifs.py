"""Every what-if runs, and `airace compare` against the baseline shows its expected direction.

Usage: check_whatifs.py AIRACE_BINARY OUTPUT_DIR

Each what-if and the baseline run with the same seed and 4 replicates to the end of 2027, so
`compare` pairs them by replicate, with their uncertain parameters at the medians
(`--fixed-parameters`): this checks each mechanism's direction at the calibrated point, while
the probability of each sign over the parameters' uncertainty is what `compare` of default runs
reports (docs/calibration.md); the expected sign of one indicator's change is asserted,
and the change must be beyond noise (its 90% interval excludes 0). A market move on a release
day is an exception: in replicates where the open release surprised nobody the paired
difference is exactly 0, so there the median difference must exceed a stated size instead.
"""
import csv
import pathlib
import subprocess
import sys

# what-if file: (series, entity, date, expected sign of what-if minus base, why), or a list of
# such checks
EXPECTED = {
    "no_2023_rule": ("indicators/compute_h100e", "CN", "2024-12-01", +1,
                     "A800/H800 stay legal for China"),
    "h20_banned_2023": ("indicators/compute_h100e", "CN", "2025-12-01", -1,
                        "China loses the H20"),
    "double_enforcement": ("indicators/cn_smuggled_h100e", "", "2025-12-01", -1,
                           "less smuggling"),
    "adaptive_crackdown": ("indicators/cn_smuggled_h100e", "", "2027-12-01", -1,
                           "the crackdown cuts smuggling once it fires"),
    "domestic_yields_double": ("indicators/cn_domestic_share", "", "2027-12-01", +1,
                               "more domestic chips per wafer once the die bank is used up"),
    "us_lab_goes_open": ("indicators/open_closed_gap_months", "", "2025-12-01", -1,
                         "the best open model is the frontier"),
    # R1 is priced when its attention peaks, 4 to 17 days after its release (docs/model.md
    # "Attention"): no single day's return carries it in every replicate, so the check reads the
    # value after it.
    "challenger_closed": ("markets/market_cap_usd", "nvidia", "2025-02-14", +1,
                          "DeepSeek's releases, R1's included, are claims investors weigh less"),
    "taiwan_fab_outage_2027": ("indicators/compute_h100e", "US", "2027-12-01", -1,
                               "no TSMC chips for most of 2027"),
    "allies_full_alignment": ("indicators/cn_domestic_share", "", "2027-12-01", -1,
                              "Chinese fabs advance more slowly"),
    # The US-CN gap rises too, but at 2027-12 within 4 replicates' noise since DeepSeek's pace
    # after V3 is the baseline's median 3.43x/year rather than its fitted 4.2.
    "no_runaway_leader": [("labs/algorithmic_efficiency", "deepseek", "2027-12-01", -1,
                           "DeepSeek's lead in efficiency slows its own progress"),
                          ("indicators/best_capability", "CN", "2027-12-01", -1,
                           "China's best model follows DeepSeek's slower progress")],
    "deepseek_field_pace": ("labs/algorithmic_efficiency", "deepseek", "2027-12-01", -1,
                            "DeepSeek grows at the field's 2.8x/year after V3, below the "
                            "baseline's median 3.43"),
    "deepseek_fitted_pace": ("labs/algorithmic_efficiency", "deepseek", "2024-03-01", +1,
                             "a fitted pace runs ahead of the field's before the baseline's V2 "
                             "step"),
    "deepseek_pace_lasts": [
        ("labs/algorithmic_efficiency", "deepseek", "2027-12-01", +1,
         "DeepSeek keeps a fitted pace (median 4.2x/year) after V3"),
        ("indicators/us_cn_gap_months", "", "2027-12-01", -1,
         "the Chinese labs follow a lab that keeps out-running the field"),
    ],
    # The gap at one date moves with the releases near it (at 2025-12 one of 4 replicates is
    # -0.02 months): the efficiency at 2025-12, and the gap half a year on, when it has grown.
    "scarcity_off": [("labs/algorithmic_efficiency", "deepseek", "2025-12-01", -1,
                      "Chinese labs no longer innovate around scarcity"),
                     ("indicators/us_cn_gap_months", "", "2026-06-01", +1,
                      "so the US lead is wider")],
    "no_die_bank": ("indicators/cn_domestic_share", "", "2025-12-01", -1,
                    "no TSMC-made Ascend dies: only SMIC's, at SMIC's yields"),
    "h200_sales_2026": ("indicators/compute_h100e", "CN", "2026-12-01", +1,
                        "every H200 licence granted and let in"),
    "stockpile_at_once": ("indicators/compute_h100e", "CN", "2023-10-01", +1,
                          "the A800/H800 stockpile is delivered before the 2023 rule"),
    "deepseek_field_runs": ("labs/releases", "deepseek", "2024-12-01", -1,
                            "DeepSeek trains in runs of the field's length: fewer, larger models"),
    "china_share_sourced": ("indicators/compute_h100e", "CN", "2023-12-01", -1,
                            "Chinese buyers at their reported 20-25% of Nvidia's sales, no "
                            "stockpile delivered before the 2023 rule"),
    "no_cowos_ceiling": ("producers/output_chips", "nvidia_tsmc", "2023-06-05", +1,
                         "TSMC's packaging no longer bounds Nvidia's 2023 output"),
    "hbm_unrestricted": ("producers/hbm_stock_stacks", "huawei_smic", "2027-12-01", +1,
                         "HBM keeps flowing to Huawei after 2024"),
    "us_reach_abroad": ("indicators/cn_open_share_abroad", "", "2025-12-01", +1,
                        "adopters abroad turn to Chinese open models"),
    "prices_doubled": [("indicators/tokens_per_year", "US", "2025-12-01", -1,
                        "adopters use fewer tokens at twice the price"),
                       ("clouds/demand_driven_usd_per_year", "us_clouds", "2027-06-01", -1,
                        "less inference demand: the US clouds buy fewer chips for it")],
    "open_served_at_cost": ("indicators/open_usage_share", "", "2025-12-01", -1,
                            "open weights cost a host's margin: fewer tokens on them"),
    "clouds_buy_for_adoption_only": ("clouds/compute_h100e", "us_clouds", "2027-06-01", -1,
                                     "the US clouds' plans stop in 2026"),
    # 2024-06: in 2023 GPT-4's dated run and the evaluation (both in the baseline) set the US best
    "base_cycles": ("indicators/best_capability", "US", "2024-06-01", -1,
                    "between bases the labs ship updates of older, smaller bases"),
    "gpt4_released_early": ("indicators/best_capability", "US", "2022-12-01", +1,
                            "GPT-4 is out in 2022-11, not 2023-03"),
    "early_race": ("labs/capability", "meta", "2022-10-01", +1,
                   "racing from 2022 Meta trains on 5% of its compute, not OPT-175B's 2.8%"),
    "reasoning_posttraining": ("indicators/best_capability", "US", "2025-06-01", +1,
                               "releases after o1 carry reasoning post-training's gain"),
    # docs/model.md §3.3.8: the agreement binds labs whose runs reach 1e26 FLOP (the US
    # frontier labs and Meta; DeepSeek's runs stay under it). Its effect on the US-CN gap has
    # no sign that holds over the parameters' uncertainty (P(>0) 0.58 in 2027): not asserted.
    "us_cn_evaluation_agreement": ("safety/effort", "meta", "2027-12-01", +1,
                                   "Meta is held at the evaluation floor"),
    "us_frontier_pause": ("safety/us_cn_gap_log10", "", "2027-12-01", -1,
                          "the US frontier labs stop training in 2027"),
    "us_open_weight_ban": ("labs/open_releases", "meta", "2027-12-01", -1,
                           "Meta releases closed models only from 2026"),
    "markets_unanchored": ("markets/market_cap_usd", "nvidia", "2027-06-01", +1,
                           "valued on all producers' sales at 1.5 x 0.75, not on its own "
                           "sales' earnings"),
}


def run(airace, scenario, out, replicates=4, end="2027-12-31"):
    subprocess.run([airace, "run", scenario, "-q", "--fixed-parameters", "-o", str(out),
                    "--replicates", str(replicates),
                    "--set", f"scenario.end={end}"], check=True)


# A day's market return differs between replicates by the other releases priced that day (their
# days are decided, not gridded), so its checks pair 20 replicates, run to just past the day.
DAILY = "markets/daily_return"
DAILY_REPLICATES, DAILY_END = 20, "2025-03-31"


def main():
    airace, outdir = sys.argv[1], pathlib.Path(sys.argv[2])
    outdir.mkdir(parents=True, exist_ok=True)
    whatifs = sorted(p.stem for p in pathlib.Path("scenarios/whatif").glob("*.yaml"))
    missing = set(whatifs) - set(EXPECTED)
    assert not missing, f"what-ifs without an expected direction in this test: {missing}"
    base = outdir / "baseline.h5"
    run(airace, "scenarios/baseline.yaml", base)
    daily_base = None
    failures = []
    for name in whatifs:
        path = outdir / f"{name}.h5"
        run(airace, f"scenarios/whatif/{name}.yaml", path)
        checks = EXPECTED[name] if isinstance(EXPECTED[name], list) else [EXPECTED[name]]
        for n, check in enumerate(checks):
            pair = (base, path)
            if check[0] == DAILY:
                if daily_base is None:
                    daily_base = outdir / "baseline_daily.h5"
                    run(airace, "scenarios/baseline.yaml", daily_base, DAILY_REPLICATES, DAILY_END)
                daily = outdir / f"{name}_daily.h5"
                run(airace, f"scenarios/whatif/{name}.yaml", daily, DAILY_REPLICATES, DAILY_END)
                pair = (daily_base, daily)
            if not check_one(airace, *pair, outdir / f"{name}_{n}.csv", name, *check):
                failures.append(name)
    if failures:
        sys.exit(f"what-ifs not moving as expected: {failures}")


def check_one(airace, base, path, table, name, series, entity, date, sign, why):
    """One check: the paired difference at `date` has the expected sign, beyond noise."""
    subprocess.run([airace, "compare", str(base), str(path), "--series", series, "--at", date,
                    "--csv", str(table)], check=True, stdout=subprocess.DEVNULL)
    rows = [r for r in csv.DictReader(open(table)) if r["entity"] == entity]
    assert len(rows) == 1, f"{name}: expected one row for {entity}, found {len(rows)}"
    r = rows[0]
    d = float(r["difference_median"])
    beyond = r["beyond_noise"] == "1"
    if series == DAILY:
        beyond = d * sign >= 0.03  # a fall smaller by at least 3 points of return
    ok = (d * sign > 0) and beyond and r["pairing"] == "paired"
    print(f"{name:24s} {series} [{entity}] {r['date']}: {r['base_median']} -> "
          f"{r['whatif_median']}, difference {d:+.4g} "
          f"[{float(r['difference_p05']):+.4g}, {float(r['difference_p95']):+.4g}] "
          f"expected {'+' if sign > 0 else '-'} ({why}) {'ok' if ok else 'WRONG'}")
    return ok


if __name__ == "__main__":
    main()
