"""Demand in the baseline's output: launch dates, adoption ceilings, growing token use and
inference compute, and the price what-if.

Usage: check_demand.py AIRACE_BINARY OUTPUT_DIR

Runs the baseline and scenarios/whatif/prices_doubled.yaml (same seed, 4 replicates, uncertain
parameters at their medians) and checks, over the output files:
- no adopter uses a lab's models before the lab's launch date (labs[].launch in the scenario):
  every country's share of the lab's options is 0 on every adoption date before it;
- no country's adoption_share exceeds its adoption_ceiling on any date, and in 2030 Africa's and
  Latin America's adoption is below the US's;
- the world's tokens and inference compute grow every year 2025-2030 (yearly means);
- with every price doubled, the tokens of each adopting unit that uses a model fall by
  2^-usage_price_elasticity (the baseline's median), within 10%, and total tokens fall by more;
- with demand pushed above serving capacity, no pool serves more than its capacity and the
  cost of compute rises at most max_serving_scarcity times.
- every open-weight family's downloads and derivatives are cumulative (never fall), nonnegative
  and 0 before its lab's first open model is on offer, and the shares by origin add up to 1.
"""
import datetime
import pathlib
import re
import subprocess
import sys

import h5py
import numpy as np


def run(airace, scenario, out):
    subprocess.run([airace, "run", scenario, "-q", "--fixed-parameters", "-o", str(out),
                    "--replicates", "4"], check=True)


def day(iso):
    return (datetime.date.fromisoformat(str(iso)) - datetime.date(1970, 1, 1)).days


def names(f, key):
    return [x.decode() if isinstance(x, bytes) else str(x) for x in f[key][:]]


def yearly(f, key, t, year):
    mask = (t > day(f"{year}-01-01")) & (t <= day(f"{year + 1}-01-01"))
    return f[key][:, mask].mean(axis=1)


def scenario_values(airace, scenario):
    """The values the scenario sets, as the program resolves them (`airace describe --values`):
    {key path: value text}; an uncertain parameter gives its median."""
    out = subprocess.run([airace, "describe", "--values", scenario], check=True,
                         capture_output=True, text=True).stdout
    values = {}
    for line in out.splitlines():
        if m := re.match(r"^(\S+) = (.*)$", line):
            values[m.group(1)] = m.group(2).strip()
        elif m := re.match(r"^(\S+) ~ .*, median (\S+) \(uncertain", line):
            values[m.group(1)] = m.group(2)
    return values


def main():
    airace, outdir = sys.argv[1], pathlib.Path(sys.argv[2])
    outdir.mkdir(parents=True, exist_ok=True)
    base, dear = outdir / "baseline.h5", outdir / "prices_doubled.h5"
    run(airace, "scenarios/baseline.yaml", base)
    run(airace, "scenarios/whatif/prices_doubled.yaml", dear)
    scenario = scenario_values(airace, "scenarios/baseline.yaml")
    launches = {m.group(1): v for k, v in scenario.items()
                if (m := re.match(r"^labs\[(.+)\]\.launch$", k))}
    assert launches, "the baseline names no launch dates"
    failures = []

    with h5py.File(base) as f:
        t_adopt = f["adoption/time_monthly"][:] if "adoption/time_monthly" in f \
            else f["indicators/time_monthly"][:]
        options = names(f, "adoption/option")
        lab_of = names(f, "adoption/option_lab")
        share = f["adoption/share"][:]  # [replicate, time, country, option]
        checked = 0
        for lab_id, launch_iso in launches.items():
            lab = {"id": lab_id, "launch": launch_iso}
            launch = day(lab["launch"])
            before = t_adopt < launch
            cols = [i for i, name in enumerate(lab_of) if name == lab["id"]]
            assert cols, f"no adoption options for lab {lab['id']}"
            used = np.nan_to_num(share[:, before][:, :, :, cols])
            checked += used.size
            if before.any() and used.max() > 0:
                failures.append(f"{lab['id']} has users before its launch on {lab['launch']}: "
                                f"share up to {used.max():.3g}")
            after = ~before
            if not np.nan_to_num(share[:, after][:, :, :, cols]).max() > 0:
                failures.append(f"{lab['id']}'s models are never used after its launch")
        assert checked > 0

        countries = names(f, "indicators/country")
        t = f["indicators/time_monthly"][:]
        adoption = f["indicators/adoption_share"][:]
        ceiling = f["indicators/adoption_ceiling"][:]
        over = np.nan_to_num(adoption - ceiling, nan=-1.0)
        if over.max() > 1e-9:
            failures.append(f"adoption above its ceiling by up to {over.max():.3g}")
        if not np.isfinite(ceiling[:, -1, :]).all():
            failures.append("a country without an adoption ceiling")
        a2030 = yearly(f, "indicators/adoption_share", t, 2030).mean(axis=0)
        us = a2030[countries.index("US")]
        for region in ("AF", "LA"):
            if not a2030[countries.index(region)] < us:
                failures.append(f"{region}'s adoption in 2030 ({a2030[countries.index(region)]:.2f}) "
                                f"is not below the US's ({us:.2f})")

        for key in ("indicators/tokens_per_year", "indicators/inference_demand_h100e"):
            world = [yearly(f, key, t, y).sum(axis=-1) for y in range(2024, 2031)]
            for y in range(1, len(world)):
                grew = world[y] > world[y - 1]
                if not grew.all():
                    failures.append(f"world {key} does not grow in {2024 + y} in every replicate")
            print(f"{key}: world, yearly means 2024..2030 (median of replicates): "
                  + ", ".join(f"{np.median(w):.3g}" for w in world))
        tokens_base = f["indicators/tokens_per_year"][:]
        units_base = adoption

        # Open-weight ecosystems: cumulative, nonnegative, nothing before a family exists.
        labs = names(f, "adoption/lab")
        capability = f["adoption/option_capability"][:]  # [replicate, time, option]
        for key in ("adoption/open_downloads", "adoption/open_derivatives"):
            x = f[key][:]  # [replicate, time, lab]
            if not (x >= 0).all():
                failures.append(f"{key} has negative values")
            if not (np.diff(x, axis=1) >= 0).all():
                failures.append(f"{key} decreases")
            for j, lab_id in enumerate(labs):
                released = np.isfinite(capability[:, :, options.index(f"{lab_id}_open")])
                exists = np.cumsum(released, axis=1) > 0  # on offer at or before the date
                if (x[:, :, j][~exists] != 0).any():
                    failures.append(f"{key} of {lab_id} before its first open model is on offer")
        for key in ("adoption/open_download_share_by_origin",
                    "adoption/open_derivative_share_by_origin"):
            x = f[key][:]  # [replicate, time, scope, provider]
            total = x.sum(axis=-1)
            ok = np.isnan(total) | (np.abs(total - 1) < 1e-9)
            if not ok.all() or (np.nan_to_num(x) < 0).any() or (np.nan_to_num(x) > 1).any():
                failures.append(f"{key} is not a set of shares adding up to 1")
        cn_share = f["indicators/cn_open_derivative_share"][:]
        print("cn_open_derivative_share, December 2024, 2025, 2030 (median of replicates): "
              + ", ".join(f"{np.nanmedian(cn_share[:, np.argmin(abs(t - day(f'{y}-12-31')))]):.3f}"
                          for y in (2024, 2025, 2030)))

    elasticity = float(scenario["adoption_model.usage_price_elasticity"])
    with h5py.File(dear) as g:
        tokens_dear = g["indicators/tokens_per_year"][:]
        units_dear = g["indicators/adoption_share"][:]
    # The world's tokens per adopting unit, 2024-2025: every price doubled, every adopter's
    # tokens × 2^-elasticity (the choice among models does not change: relative prices stay).
    window = (t > day("2024-01-01")) & (t <= day("2026-01-01"))
    populations = {m.group(1): float(v) for k, v in scenario.items()
                   if (m := re.match(r"^populations\[(.+)\]\.adopting_units$", k))}
    weights = np.array([populations.get(c, 0.0) for c in countries])
    per_unit = lambda tok, sh: tok[:, window].sum(axis=-1) / (sh[:, window] * weights).sum(axis=-1)
    ratio = np.median(per_unit(tokens_dear, units_dear) / per_unit(tokens_base, units_base))
    expected = 2.0 ** -elasticity
    total = np.median(tokens_dear[:, window].sum() / tokens_base[:, window].sum())
    print(f"prices doubled: tokens per adopting unit x{ratio:.3f} (2^-{elasticity:.2f} = "
          f"{expected:.3f}); total tokens x{total:.3f}")
    if not abs(np.log(ratio / expected)) < np.log(1.1):
        failures.append(f"doubling prices multiplies tokens per adopting unit by {ratio:.3f}, "
                        f"expected {expected:.3f} within 10%")
    if not total < ratio:
        failures.append("doubling prices does not also lower the number of adopters")

    # Serving capacity: demand pushed far above it (the fastest growth of tokens per task and the
    # least elastic demand in their ranges, the smallest serving share) is served only up to the
    # capacity of each pool (China's tier; the other countries), at a cost of compute raised at
    # most max_serving_scarcity times; no pool serves more than its clouds can.
    tight = outdir / "serving_tight.h5"
    subprocess.run([airace, "run", "scenarios/baseline.yaml", "-q", "--fixed-parameters", "-o",
                    str(tight), "--replicates", "4",
                    "--set", "adoption_model.usage_capability_elasticity=0.675",
                    "--set", "adoption_model.usage_price_elasticity=0.49",
                    "--set", "adoption_model.serving_capacity_share=0.4"], check=True)
    most = float(scenario["adoption_model.max_serving_scarcity"])
    with h5py.File(tight) as f:
        countries = names(f, "indicators/country")
        served = f["indicators/inference_demand_h100e"][:]   # [replicate, time, country]
        capacity = f["adoption/serving_limit_h100e"][:]
        scarcity = f["adoption/serving_scarcity"][:]
        fraction = f["adoption/served_fraction"][:]
    china = [countries.index("CN")]
    rest = [i for i in range(len(countries)) if i not in china]
    for pool in (china, rest):
        load = served[:, :, pool].sum(axis=-1)
        cap = capacity[:, :, pool[0]]
        if not (load <= cap * (1 + 1e-9)).all():
            failures.append(f"the pool of {[countries[i] for i in pool]} serves up to "
                            f"{np.max(load / cap):.3g} times its capacity")
    if not (fraction < 1).any():
        failures.append("demand never exceeds serving capacity in the tight run: nothing tested")
    if not (scarcity.max() <= most and scarcity.min() >= 1):
        failures.append(f"serving scarcity outside [1, {most}]: {scarcity.min()}..{scarcity.max()}")
    print(f"serving capacity, tight run: {np.mean(fraction < 1):.0%} of country-months rationed, "
          f"least served fraction {fraction.min():.3g}, scarcity up to {scarcity.max():.3g}")

    for x in failures:
        print("FAIL:", x)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
