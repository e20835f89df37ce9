#pragma once
// Headline indicators computed from the actors' state. docs/model.md §"Indicators".

#include <vector>

#include "sim/core/params.hpp"

namespace airace {

// The section `indicators:` of a scenario.
struct IndicatorParams {
  double frontier_growth_per_year = 12.0;  // x/year of frontier effective compute
};
const Schema<IndicatorParams>& indicator_schema();

// The best capability of one country over time, for measuring gaps in months.
// Times are in years since the run's start; capabilities never decrease (a running maximum).
struct CapabilityHistory {
  std::vector<double> time_years;
  std::vector<double> capability;
  void add(double t_years, double c) { time_years.push_back(t_years), capability.push_back(c); }
};

// Months of frontier progress between now and the time the leader first reached `level`:
// found on the leader's own history (linear between recorded points), or, when the leader was
// already above `level` at the first recorded point, extrapolated back at the frontier rate
// (log10 units per year). Returns 0 when the leader has not reached `level`.
double months_since_reached(const CapabilityHistory& leader, double now_years, double level,
                            double frontier_log10_per_year);

// docs/model.md §"Indicators: gap in months": positive when the US leads, negative when China
// leads; the leader's history measures how long ago it stood where the follower stands now.
double us_cn_gap_months(const CapabilityHistory& us, const CapabilityHistory& cn, double now_years,
                        double frontier_log10_per_year);

}  // namespace airace
