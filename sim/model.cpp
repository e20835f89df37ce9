#include "sim/model.hpp"

#include <algorithm>
#include <cmath>

namespace airace {
namespace {

std::size_t index_of(const std::vector<std::string>& ids, const std::string& id) {
  return static_cast<std::size_t>(std::find(ids.begin(), ids.end(), id) - ids.begin());
}

}  // namespace

SeriesCatalog build_catalog(const Scenario& s, ModelOutputs& ids) {
  SeriesCatalog cat;
  for (Cadence c : {s.schedule.compute, s.schedule.labs, s.schedule.indicators})
    cat.set_time_axis({c, tick_dates(c, s.info.start, s.info.end)});

  std::vector<std::string> country_names;
  for (const CountrySpec& c : s.countries) country_names.push_back(c.name.empty() ? c.id : c.name);
  ids.countries = cat.add_axis({"countries",
                                "country",
                                "countries in the scenario",
                                s.country_ids(),
                                {{"country_name", "", "display name", country_names}}});

  std::vector<std::string> chip_ids, chip_names, designers, fabs, origins;
  std::vector<double> tflops, mem_bw, interconnect, price, tpp, density, h100e;
  for (const ChipSpec& c : s.chips) {
    chip_ids.push_back(c.id);
    chip_names.push_back(c.name);
    designers.push_back(c.designer);
    fabs.push_back(c.fab);
    origins.push_back(c.origin.id);
    tflops.push_back(c.bf16_dense_tflops);
    mem_bw.push_back(c.memory_bandwidth_tbps);
    interconnect.push_back(c.interconnect_gbps);
    price.push_back(c.price_usd);
    tpp.push_back(total_processing_performance(c));
    density.push_back(performance_density(c));
    h100e.push_back(h100_equivalents(c));
  }
  ids.chips = cat.add_axis(
      {"chips",
       "chip",
       "the chip catalogue",
       chip_ids,
       {{"chip_name", "", "product name", chip_names},
        {"designer", "", "designing company", designers},
        {"fab", "", "manufacturing foundry", fabs},
        {"origin", "", "country of the designer", origins},
        {"bf16_dense_tflops", "TFLOP/s", "dense BF16 throughput", tflops},
        {"memory_bandwidth_tbps", "TB/s", "memory bandwidth", mem_bw},
        {"interconnect_gbps", "GB/s", "bidirectional chip-to-chip bandwidth", interconnect},
        {"price_usd", "USD", "price per chip", price},
        {"tpp", "TOPS x bit", "Total Processing Performance (ECCN 3A090)", tpp},
        {"performance_density", "TPP/mm^2", "TPP per mm^2 of die (0: unknown)", density},
        {"h100e", "H100e/chip", "H100-equivalents per chip (dense BF16 / 989 TFLOP/s)", h100e}}});

  std::vector<std::string> lab_ids, lab_names, lab_countries, archetypes;
  for (const LabConfig& l : s.labs) {
    lab_ids.push_back(l.id);
    lab_names.push_back(l.name.empty() ? l.id : l.name);
    lab_countries.push_back(l.country.id);
    archetypes.push_back(std::string(archetype_name(l.archetype)));
  }
  ids.labs = cat.add_axis({"labs",
                           "lab",
                           "AI labs",
                           lab_ids,
                           {{"lab_name", "", "display name", lab_names},
                            {"lab_country", "", "home country", lab_countries},
                            {"archetype", "", "kind of lab", archetypes}}});

  ids.lab_compute_h100e = cat.add_series({"labs",
                                          "compute_h100e",
                                          "H100e",
                                          "installed AI compute of each lab in H100-equivalents",
                                          s.schedule.compute,
                                          {ids.labs}});
  ids.lab_chips = cat.add_series({"labs",
                                  "chips_installed",
                                  "chips",
                                  "chips installed at each lab, by chip type",
                                  s.schedule.compute,
                                  {ids.labs, ids.chips}});
  ids.lab_efficiency =
      cat.add_series({"labs",
                      "algorithmic_efficiency",
                      "x 2022-01 algorithms",
                      "effective compute per physical FLOP, relative to 2022-01 algorithms",
                      s.schedule.labs,
                      {ids.labs}});
  ids.lab_effective_compute =
      cat.add_series({"labs",
                      "effective_training_compute",
                      "FLOP (2022-01 algorithms)",
                      "effective compute of the frontier training run the lab can afford now",
                      s.schedule.labs,
                      {ids.labs}});
  ids.lab_capability =
      cat.add_series({"labs",
                      "capability",
                      "log10 FLOP (effective)",
                      "capability of the lab's best model: log10 of its effective training compute",
                      s.schedule.labs,
                      {ids.labs}});
  ids.country_compute_h100e =
      cat.add_series({"indicators",
                      "compute_h100e",
                      "H100e",
                      "installed AI compute of the country's labs in H100-equivalents",
                      s.schedule.indicators,
                      {ids.countries}});
  ids.country_best_capability =
      cat.add_series({"indicators",
                      "best_capability",
                      "log10 FLOP (effective)",
                      "capability of the country's best model (NaN when it has no lab)",
                      s.schedule.indicators,
                      {ids.countries}});
  ids.us_cn_gap_months = cat.add_series(
      {"indicators",
       "us_cn_gap_months",
       "months",
       "months of frontier progress between the best US and the best Chinese model (positive: "
       "the US leads)",
       s.schedule.indicators,
       {}});
  return cat;
}

Simulation::Simulation(const Scenario& s, const SeriesCatalog& catalog, const ModelOutputs& ids,
                       uint32_t replicate)
    : scenario_(s),
      ids_(ids),
      replicate_(replicate),
      schedule_(s.info.start, s.info.end),
      labs_(initial_lab_state(s.labs_setup)),
      series_(catalog) {
  const std::vector<std::string> countries = s.country_ids();
  for (const LabConfig& l : s.labs) lab_country_.push_back(index_of(countries, l.country.id));
  us_ = index_of(countries, "US");
  cn_ = index_of(countries, "CN");
  schedule_.add(
      {"compute", s.schedule.compute, kPhaseCompute, [this](const Tick& t) { step_compute(t); }});
  schedule_.add({"labs", s.schedule.labs, kPhaseLabs, [this](const Tick& t) { step_labs(t); }});
  schedule_.add({"indicators", s.schedule.indicators, kPhaseIndicators,
                 [this](const Tick& t) { step_indicators(t); }});
}

StreamKey Simulation::key(Stream stream) const {
  return {static_cast<uint64_t>(scenario_.run.seed), replicate_, stream};
}

void Simulation::step_compute(const Tick& t) {
  step_lab_compute(scenario_.labs_setup, labs_, scratch_, t, key(Stream::lab_purchases));
  std::swap(labs_, scratch_);
  for (std::size_t i = 0; i < labs_.compute_h100e.size(); ++i)
    series_.set(ids_.lab_compute_h100e, t.index, i, labs_.compute_h100e[i]);
  // [lab][chip], the layout of both the state and the series.
  for (std::size_t k = 0; k < labs_.chips.size(); ++k)
    series_.set(ids_.lab_chips, t.index, k, labs_.chips[k]);
}

void Simulation::step_labs(const Tick& t) {
  step_lab_research(scenario_.labs_setup, labs_, scratch_, t, key(Stream::lab_efficiency));
  std::swap(labs_, scratch_);
  for (std::size_t i = 0; i < labs_.capability.size(); ++i) {
    series_.set(ids_.lab_efficiency, t.index, i, labs_.efficiency[i]);
    series_.set(ids_.lab_effective_compute, t.index, i, labs_.effective_compute_flop[i]);
    series_.set(ids_.lab_capability, t.index, i, labs_.capability[i]);
  }
}

void Simulation::step_indicators(const Tick& t) {
  const std::size_t n = scenario_.countries.size();
  std::vector<double> compute(n, 0.0);
  std::vector<double> best(n, -std::numeric_limits<double>::infinity());
  // Serial, in lab order: sums are identical whatever the thread count.
  for (std::size_t i = 0; i < lab_country_.size(); ++i) {
    compute[lab_country_[i]] += labs_.compute_h100e[i];
    best[lab_country_[i]] = std::max(best[lab_country_[i]], labs_.capability[i]);
  }
  for (std::size_t c = 0; c < n; ++c) {
    series_.set(ids_.country_compute_h100e, t.index, c, compute[c]);
    series_.set(ids_.country_best_capability, t.index, c,
                std::isfinite(best[c]) ? best[c] : std::nan(""));
  }
  const double now = years_between(scenario_.info.start, t.date);
  if (std::isfinite(best[us_])) us_history_.add(now, best[us_]);
  if (std::isfinite(best[cn_])) cn_history_.add(now, best[cn_]);
  const double rate = std::log10(scenario_.indicators.frontier_growth_per_year);
  series_.set(ids_.us_cn_gap_months, t.index,
              us_cn_gap_months(us_history_, cn_history_, now, rate));
}

}  // namespace airace
