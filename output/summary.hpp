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

// The sign of a run's US–China gap at its last date, over replicates: "the US ahead of China
// (us_cn_gap_months > 0) on 2030-12-01 in 71 of 100 replicates, China ahead in 29, level in 0
// (n/a in 0)"; empty when the run has no indicators/us_cn_gap_months. The share of each sign is
// what a policy answer rests on (docs/calibration.md "What the bands mean now").
std::string describe_gap_sign(const RunResult& run);

}  // namespace airace
