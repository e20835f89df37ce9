#pragma once
// Model assembly: the actors of a scenario wired into one schedule, and what each records.
// A Simulation is one replicate; it is advanced from outside (advance_to), so a caller can stop
// at a date, inspect or change the world, and go on.

#include <cstdint>

#include "agents/labs.hpp"
#include "sim/core/schedule.hpp"
#include "sim/core/series.hpp"
#include "agents/indicators.hpp"
#include "sim/model/parameter_changes.hpp"
#include "sim/model/scenario.hpp"

namespace airace {

// Phase order within a day (docs/model.md §"Process overview and scheduling").
inline constexpr int kPhaseGovernments = 10;    // adaptive rules read the latest indicators
// The scenario version in force today: after governments, whose adaptive rules may make a change
// due today (their setup is the same in every version), before every other actor.
inline constexpr int kPhaseParameterChanges = 15;
inline constexpr int kPhaseSupply = 20;         // production, allocation, deliveries, depreciation
inline constexpr int kPhaseAdoption = 25;       // adopters choose; labs are paid at their tick
inline constexpr int kPhaseLabs = 30;           // research, efficiency, capability
inline constexpr int kPhaseDatedReleases = 31;  // releases on historical dates
inline constexpr int kPhaseMarkets = 40;        // investors see the day's releases, prices move
inline constexpr int kPhaseIndicators = 90;     // headline indicators, after every actor

// Where each recorded quantity goes in the output (kNoSeries: not recorded in this scenario).
struct ModelOutputs {
  AxisId countries = 0;
  AxisId chips = 0;
  AxisId producers = 0;
  AxisId labs = 0;
  AxisId clouds = 0;
  AxisId origins = 0;
  AxisId rules = 0;
  AxisId levers = 0;
  AxisId adaptive = 0;
  SeriesId chip_price = kNoSeries;
  SeriesId chip_unit_cost = kNoSeries;
  SeriesId chip_sales = kNoSeries;
  SeriesId chip_smuggled = kNoSeries;
  SeriesId chip_legal_share = kNoSeries;
  SeriesId producer_capacity = kNoSeries;
  SeriesId producer_yield = kNoSeries;
  SeriesId producer_output = kNoSeries;
  SeriesId producer_revenue = kNoSeries;
  SeriesId producer_node = kNoSeries;
  SeriesId producer_markup = kNoSeries;
  SeriesId lab_compute_h100e = kNoSeries;
  SeriesId lab_training_h100e = kNoSeries;
  SeriesId lab_chips = kNoSeries;
  SeriesId lab_efficiency = kNoSeries;
  SeriesId lab_capability = kNoSeries;
  SeriesId lab_best_open = kNoSeries;
  SeriesId lab_capital = kNoSeries;
  SeriesId lab_revenue = kNoSeries;
  SeriesId lab_talent = kNoSeries;
  SeriesId lab_scarcity = kNoSeries;
  SeriesId lab_releases = kNoSeries;
  SeriesId lab_open_releases = kNoSeries;
  SeriesId best_by_openness = kNoSeries;
  SeriesId release_count = kNoSeries;
  SeriesId open_closed_gap_months = kNoSeries;
  AxisId openness = 0;
  EventTableId releases = 0;
  SeriesId cloud_compute_h100e = kNoSeries;
  SeriesId country_compute_h100e = kNoSeries;
  SeriesId country_compute_by_origin = kNoSeries;
  SeriesId country_remote_access = kNoSeries;
  SeriesId country_blocked_usd = kNoSeries;
  SeriesId country_capex = kNoSeries;
  SeriesId cn_domestic_share = kNoSeries;
  SeriesId cn_smuggled_h100e = kNoSeries;
  SeriesId country_best_capability = kNoSeries;
  SeriesId us_cn_gap_months = kNoSeries;
  SeriesId rule_status = kNoSeries;
  SeriesId lever_values = kNoSeries;
  SeriesId adaptive_fired = kNoSeries;
  // adoption (only when the scenario has adopters)
  AxisId options = 0;
  AxisId sectors = 0;
  AxisId providers = 0;
  SeriesId adoption_share = kNoSeries;
  SeriesId adoption_usage = kNoSeries;
  SeriesId sector_share = kNoSeries;
  SeriesId share_by_provider = kNoSeries;
  SeriesId sector_share_by_provider = kNoSeries;
  SeriesId adoption_price = kNoSeries;
  SeriesId option_capability = kNoSeries;
  SeriesId api_margin = kNoSeries;
  SeriesId api_revenue = kNoSeries;
  SeriesId open_spend = kNoSeries;
  SeriesId chip_cost = kNoSeries;
  SeriesId inference_demand = kNoSeries;
  SeriesId country_adoption_share = kNoSeries;
  SeriesId cn_open_share_abroad = kNoSeries;
  SeriesId open_usage_share = kNoSeries;
  // markets (only when the scenario has firms)
  AxisId firms = 0;
  AxisId factors = 0;
  AxisId investors = 0;
  SeriesId market_cap = kNoSeries;
  SeriesId daily_return = kNoSeries;
  SeriesId index_usd = kNoSeries;
  SeriesId index_return = kNoSeries;
  SeriesId believed_efficiency = kNoSeries;
  SeriesId efficiency_sd = kNoSeries;
  SeriesId efficiency_gap = kNoSeries;
  SeriesId investor_belief = kNoSeries;
  SeriesId factor_level = kNoSeries;
  EventTableId release_moves = 0;
  EventTableId parameter_changes = kNoEventTable;  // only with parameter changes
};

// Countries whose labs make models (the provider axis of the adoption series), in country order.
std::vector<std::size_t> provider_countries(const Scenario& s);

// Origins of installed compute, the last axis of /indicators/compute_by_origin_h100e.
enum class Origin : std::size_t { imported, domestic, smuggled };

// The output layout of a scenario: entity axes, series and time axes.
SeriesCatalog build_catalog(const Scenario& s, ModelOutputs& ids);

class Simulation {
 public:
  Simulation(const Scenario& s, const SeriesCatalog& catalog, const ModelOutputs& ids,
             uint32_t replicate);
  Simulation(const Simulation&) = delete;  // the schedule's processes point at this object
  Simulation& operator=(const Simulation&) = delete;

  void advance_to(Date d) { schedule_.advance_to(d); }
  void run_to_end() { schedule_.run_to_end(); }
  bool finished() const { return schedule_.finished(); }
  Date today() const { return schedule_.today(); }

  const LabState& labs() const { return labs_; }
  const SupplyState& supply() const { return supply_; }
  const GovernmentState& governments() const { return governments_; }
  const Population& population() const { return population_; }
  const AdoptionState& adoption() const { return adoption_; }
  const AdoptionOutcome& adoption_outcome() const { return adoption_outcome_; }
  const Offer& offer() const { return offer_; }
  const MarketState& markets() const { return markets_; }
  // Changes a lever from today on (a seminar turn, a what-if mid-run).
  void set_lever(Lever lever, double value) {
    airace::set_lever(governments_, lever, value, today());
  }
  // Changes a parameter that may change during a run (its --set key path) from today on,
  // checked by its own schema: throws InputError when refused. Not in /policy/parameter_changes.
  void set_parameter(const std::string& path, const std::string& value);
  // Runs on `s` from now on: a version of the scenario it was built with (same sizes).
  void use_scenario(const Scenario& s) { scenario_ = &s; }
  const SeriesBuffer& series() const { return series_; }
  SeriesBuffer take_series() { return std::move(series_); }

 private:
  void apply_parameter_changes(const Tick& t);
  void step_governments(const Tick& t);
  void step_supply(const Tick& t);
  void step_adoption(const Tick& t);
  void step_labs(const Tick& t);
  void step_dated_releases(const Tick& t);
  void step_markets(const Tick& t);
  void released(const Release& r);  // records it and tells investors
  void step_indicators(const Tick& t);
  StreamKey key(Stream stream) const;
  const SupplyPolicy& supply_policy(Date d);
  std::vector<double> lab_training_h100e(Date d) const;
  void record_release(const Release& r);

  const Scenario* scenario_;  // the scenario, or a version of it (parameters changed mid-run)
  ParameterChanges parameter_changes_;
  const Scenario* parameter_changes_base_;  // the scenario it was built with
  std::size_t base_parameter_count_;        // changes its events and adaptive rules make
  const ModelOutputs ids_;
  const uint32_t replicate_;
  std::vector<std::size_t> lab_country_;  // [lab] index into scenario_.countries
  std::size_t us_ = 0;
  std::size_t cn_ = 0;
  Schedule schedule_;
  GovernmentState governments_;
  SupplyState supply_;
  SupplyState supply_scratch_;
  TradePolicy trade_;
  SupplyPolicy policy_;
  SupplyWorkspace supply_work_;
  std::vector<double> cap_used_h100e_;            // [rule * n_countries + country]
  std::vector<double> blocked_since_indicators_;  // [country] USD
  std::vector<double> capex_since_indicators_;    // [country] USD
  double blocked_years_ = 0.0;                    // supply time they cover
  LabState labs_;
  LabState scratch_;           // the next state while a step runs
  std::vector<double> world_;  // world_indicator_names(), as last published
  SeriesBuffer series_;
  CapabilityHistory us_history_;
  CapabilityHistory cn_history_;
  CapabilityHistory closed_history_;
  CapabilityHistory open_history_;
  std::vector<double> wanted_value_;    // [lab] H100e its spending wanted since the last tick
  std::vector<double> obtained_value_;  // [lab] H100e of it obtained
  std::vector<Release> released_;       // this research tick's releases
  Population population_;
  AdoptionState adoption_;
  AdoptionWorkspace adoption_work_;
  AdoptionOutcome adoption_outcome_;
  Offer offer_;
  std::vector<double> chip_cost_;          // [country] USD per H100e-year of inference
  std::vector<std::size_t> lab_provider_;  // [lab] index on the provider axis
  std::size_t n_providers_ = 0;            // countries on the provider axis
  MarketState markets_;
  std::vector<ReleaseNews> news_;  // releases since the last trading day
  std::vector<ReleaseWatch> watches_, watched_;
};

}  // namespace airace
