#pragma once
// Model assembly: the actors of a scenario wired into one schedule, and what each records.
// A Simulation is one replicate; it is advanced from outside (advance_to), so a caller can stop
// at a date, inspect or change the world, and go on.

#include <cstdint>

#include "agents/labs.hpp"
#include "sim/core/schedule.hpp"
#include "sim/core/series.hpp"
#include "sim/indicators.hpp"
#include "sim/scenario.hpp"

namespace airace {

// Phase order within a day (docs/model.md §"Process overview and scheduling").
inline constexpr int kPhaseCompute = 20;     // chip deliveries and depreciation
inline constexpr int kPhaseLabs = 30;        // research, efficiency, capability
inline constexpr int kPhaseIndicators = 90;  // headline indicators, after every actor

// Where each recorded quantity goes in the output.
struct ModelOutputs {
  AxisId countries = 0;
  AxisId chips = 0;
  AxisId labs = 0;
  SeriesId lab_compute_h100e = 0;
  SeriesId lab_chips = 0;
  SeriesId lab_efficiency = 0;
  SeriesId lab_effective_compute = 0;
  SeriesId lab_capability = 0;
  SeriesId country_compute_h100e = 0;
  SeriesId country_best_capability = 0;
  SeriesId us_cn_gap_months = 0;
};

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
  const SeriesBuffer& series() const { return series_; }
  SeriesBuffer take_series() { return std::move(series_); }

 private:
  void step_compute(const Tick& t);
  void step_labs(const Tick& t);
  void step_indicators(const Tick& t);
  StreamKey key(Stream stream) const;

  const Scenario& scenario_;
  const ModelOutputs ids_;
  const uint32_t replicate_;
  std::vector<std::size_t> lab_country_;  // [lab] index into scenario_.countries
  std::size_t us_ = 0;
  std::size_t cn_ = 0;
  Schedule schedule_;
  LabState labs_;
  LabState scratch_;  // the next state while a step runs
  SeriesBuffer series_;
  CapabilityHistory us_history_;
  CapabilityHistory cn_history_;
};

}  // namespace airace
