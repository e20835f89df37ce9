#include "output/summary.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace airace {

double quantile(std::vector<double> values, double q) {
  std::erase_if(values, [](double v) { return std::isnan(v); });
  if (values.empty()) return std::nan("");
  std::sort(values.begin(), values.end());
  const double pos = q * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, values.size() - 1);
  const double w = pos - static_cast<double>(lo);
  return values[lo] * (1.0 - w) + values[hi] * w;
}

QuantileBand band_at(const RunResult& run, SeriesId s, std::size_t t, std::size_t entity) {
  std::vector<double> v;
  v.reserve(run.replicates.size());
  for (const SeriesBuffer& b : run.replicates) v.push_back(b.get(s, t, entity));
  return {quantile(v, 0.05), quantile(v, 0.5), quantile(v, 0.95)};
}

namespace {
// Three significant figures from 10^4, whole numbers from 100, two decimals below, so a band
// reads alike across its ends: 1.73e+05 beside 5.28e+07, not 172729.54; 6602, 665 and 0.96.
std::string band_number(double v) {
  char buf[32];
  if (std::isnan(v)) return "n/a";
  const double a = std::fabs(v);
  if (a != 0.0 && (a >= 1e4 || a < 1e-2))
    std::snprintf(buf, sizeof buf, "%.3g", v);
  else if (a >= 100.0)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}
}  // namespace

std::string summarise_group(const RunResult& run, const std::string& group) {
  const SeriesCatalog& cat = run.catalog;
  std::size_t name_width = 18;
  for (const SeriesSpec& spec : cat.series())
    if (spec.group == group) name_width = std::max(name_width, spec.name.size());
  std::string out;
  char line[512];
  const int w = static_cast<int>(name_width);
  for (SeriesId s = 0; s < cat.series().size(); ++s) {
    const SeriesSpec& spec = cat.series()[s];
    if (spec.group != group) continue;
    const std::vector<Date>& dates = cat.time_axis(spec.cadence).dates;
    if (dates.empty()) continue;
    const std::size_t t = dates.size() - 1;
    const std::size_t n = cat.entity_count(spec);
    std::size_t shown = 0;
    std::size_t quiet = 0;  // entities at 0 or n/a in every replicate: left out of a long list
    for (std::size_t e = 0; e < n; ++e) {
      const QuantileBand b = band_at(run, s, t, e);
      const bool all_zero = b.p05 == 0.0 && b.p95 == 0.0;
      const bool all_nan = std::isnan(b.median);
      if (n > 2 && (all_zero || all_nan)) {
        ++quiet;
        continue;
      }
      const std::string entity = cat.entity_label(spec, e);
      std::snprintf(line, sizeof line, "  %-*s %-12s %10s  [%s .. %s]  %s  (%s)\n", w,
                    shown == 0 ? spec.name.c_str() : "", entity.c_str(),
                    band_number(b.median).c_str(), band_number(b.p05).c_str(),
                    band_number(b.p95).c_str(), spec.units.c_str(), dates[t].iso().c_str());
      out += line;
      ++shown;
    }
    if (quiet > 0) {
      std::snprintf(line, sizeof line, "  %-*s (%zu more at 0 or n/a)\n", w,
                    shown == 0 ? spec.name.c_str() : "", quiet);
      out += line;
    }
  }
  return out;
}

std::string describe_gap_sign(const RunResult& run) {
  const SeriesId s = run.catalog.find("indicators", "us_cn_gap_months");
  if (s == kNoSeries || run.replicates.empty()) return "";
  const std::vector<Date>& dates = run.catalog.time_axis(run.catalog.series()[s].cadence).dates;
  if (dates.empty()) return "";
  const std::size_t t = dates.size() - 1;
  std::size_t ahead = 0, behind = 0, level = 0, missing = 0;
  for (const SeriesBuffer& b : run.replicates) {
    const double gap = b.get(s, t);
    if (std::isnan(gap))
      ++missing;
    else
      ++(gap > 0.0 ? ahead : gap < 0.0 ? behind : level);
  }
  char line[256];
  std::snprintf(line, sizeof line,
                "the US ahead of China (us_cn_gap_months > 0) on %s in %zu of %zu replicates, "
                "China ahead in %zu, level in %zu",
                dates[t].iso().c_str(), ahead, run.replicates.size(), behind, level);
  std::string out = line;
  if (missing > 0) out += " (n/a in " + std::to_string(missing) + ")";
  return out;
}

}  // namespace airace
