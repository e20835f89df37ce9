#include "agents/safety_summary.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace airace {

std::optional<SafetySummary> safety_summary(const RunResult& run) {
  const SeriesCatalog& cat = run.catalog;
  const SeriesId incidents = cat.find("safety", "incidents");
  if (incidents == kNoSeries || run.replicates.empty()) return std::nullopt;
  const SeriesSpec& spec = cat.series()[incidents];
  const std::size_t times = cat.time_count(spec);
  if (times == 0 || spec.entity_axes.size() != 2) return std::nullopt;
  const std::vector<std::string>& severities = cat.axes()[spec.entity_axes[1]].ids;
  const std::size_t countries = cat.axes()[spec.entity_axes[0]].ids.size();
  const auto severe = static_cast<std::size_t>(
      std::find(severities.begin(), severities.end(), "severe") - severities.begin());
  const auto serious = static_cast<std::size_t>(
      std::find(severities.begin(), severities.end(), "serious") - severities.begin());
  if (severe == severities.size() || serious == severities.size()) return std::nullopt;
  const std::size_t nsev = severities.size();
  SafetySummary s;
  s.last = cat.time_axis(spec.cadence).dates.at(times - 1);
  s.replicates = run.replicates.size();
  std::vector<double> serious_counts;
  for (const SeriesBuffer& b : run.replicates) {
    double n_serious = 0.0, n_severe = 0.0;
    auto count = [&](std::size_t c, std::size_t v) {  // NaN: not recorded, none
      const double x = b.get(incidents, times - 1, c * nsev + v);
      return std::isfinite(x) ? x : 0.0;
    };
    for (std::size_t c = 0; c < countries; ++c) {
      n_serious += count(c, serious);
      n_severe += count(c, severe);
    }
    serious_counts.push_back(n_serious);
    s.with_severe += n_severe > 0.0;
  }
  std::sort(serious_counts.begin(), serious_counts.end());
  const std::size_t n = serious_counts.size();
  s.serious_median = n % 2 ? serious_counts[n / 2]
                           : 0.5 * (serious_counts[n / 2 - 1] + serious_counts[n / 2]);

  const SeriesId in_force = cat.find("safety", "agreement_in_force");
  const SeriesId found = cat.find("safety", "agreement_found_broken");
  if (in_force == kNoSeries || found == kNoSeries) return s;
  const SeriesSpec& a_spec = cat.series()[in_force];
  const std::vector<std::string>& ids = cat.axes()[a_spec.entity_axes.at(0)].ids;
  const std::size_t a_times = cat.time_count(a_spec);
  for (std::size_t g = 0; g < ids.size(); ++g) {
    SafetySummary::Agreement a{ids[g], 0, 0};
    bool ever = false;
    for (const SeriesBuffer& b : run.replicates) {
      bool broken = false;
      for (std::size_t t = 0; t < a_times; ++t) {
        ever = ever || b.get(in_force, t, g) >= 0.5;
        broken = broken || b.get(found, t, g) >= 0.5;
      }
      a.found_broken += broken;
      a.in_force_at_end += b.get(in_force, a_times - 1, g) >= 0.5;
    }
    if (ever) s.agreements.push_back(a);
  }
  return s;
}

std::string describe_safety(const SafetySummary& s) {
  const std::string of = " of " + std::to_string(s.replicates);
  char serious[32];
  std::snprintf(serious, sizeof serious, "%g", s.serious_median);
  std::string line = "by " + s.last.iso() + " a severe incident in " +
                     std::to_string(s.with_severe) + of + " replicates, serious incidents " +
                     serious + " (median)";
  for (const SafetySummary::Agreement& a : s.agreements)
    line += "; agreement " + a.id + " in force at the end in " + std::to_string(a.in_force_at_end) +
            of + " (ended by a breach found in " + std::to_string(a.found_broken) + ")";
  return line;
}

}  // namespace airace
