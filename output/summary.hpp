#pragma once
// Text summaries of a run: quantiles over replicates of the headline indicators.

#include <string>
#include <vector>

#include "sim/core/series.hpp"

namespace airace {

// The q-quantile (0..1) of values by linear interpolation between order statistics; NaNs are
// ignored; NaN when no value is finite.
double quantile(std::vector<double> values, double q);

struct QuantileBand {
  double p05 = 0.0;
  double median = 0.0;
  double p95 = 0.0;
};

// The band over replicates of series s at time index t for entity e.
QuantileBand band_at(const RunResult& run, SeriesId s, std::size_t t, std::size_t entity);

// A table of every series in `group` at its last date: median and 5–95% over replicates.
std::string summarise_group(const RunResult& run, const std::string& group);

}  // namespace airace
