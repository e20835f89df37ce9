#include "agents/indicators.hpp"

#include <cmath>

namespace airace {

const Schema<IndicatorParams>& indicator_schema() {
  using P = IndicatorParams;
  static const Schema<IndicatorParams> s(
      "indicators",
      {
          number("frontier_growth_per_year", &P::frontier_growth_per_year, "x/year",
                 Range{1, 1000, true, false},
                 {"growth of frontier effective training compute, used to convert a capability "
                  "difference into months where the simulated history is too short",
                  "physical 4-5x/year (Epoch) x algorithmic ~2.8x/year (Ho et al. 2024)"}),
      });
  return s;
}

double months_since_reached(const CapabilityHistory& leader, double now_years, double level,
                            double frontier_log10_per_year) {
  const std::vector<double>& c = leader.capability;
  const std::vector<double>& t = leader.time_years;
  if (c.empty() || c.back() < level) return 0.0;
  double reached = 0.0;
  if (c.front() >= level) {
    reached = t.front() - (c.front() - level) / frontier_log10_per_year;
  } else {
    std::size_t k = 1;
    while (c[k] < level) ++k;  // c.front() < level <= c.back(): k exists
    const double span = c[k] - c[k - 1];
    const double w = span > 0.0 ? (level - c[k - 1]) / span : 1.0;
    reached = t[k - 1] + w * (t[k] - t[k - 1]);
  }
  return (now_years - reached) * 12.0;
}

double us_cn_gap_months(const CapabilityHistory& us, const CapabilityHistory& cn, double now_years,
                        double frontier_log10_per_year) {
  if (us.capability.empty() || cn.capability.empty()) return std::nan("");
  const double u = us.capability.back();
  const double c = cn.capability.back();
  if (u >= c) return months_since_reached(us, now_years, c, frontier_log10_per_year);
  return -months_since_reached(cn, now_years, u, frontier_log10_per_year);
}

}  // namespace airace
