#pragma once
// Sobol sensitivity indices of one outcome from the runs of a Saltelli design (design.hpp):
// first-order S_i (the share of the outcome's variance due to parameter i alone) and total ST_i
// (its share including every interaction), each with a bootstrap confidence interval from
// resampling the N base rows. Deterministic for a seed, whatever the thread count.
//
// Invalid input (a length that does not match the design, a failed run's NaN, an outcome that
// does not vary) throws SweepError.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "sim/sweep/sweep_error.hpp"

namespace airace {

struct BootstrapOptions {
  std::size_t resamples = 1000;
  double confidence = 0.95;  // of the percentile interval, in (0, 1)
  uint64_t seed = 0;
};

struct SensitivityIndex {
  double estimate = 0.0;  // from all N base rows
  double low = 0.0;       // percentile bootstrap interval
  double high = 0.0;
};

struct SobolIndices {
  std::vector<SensitivityIndex> first_order;  // S_i, one per parameter in design order
  std::vector<SensitivityIndex> total;        // ST_i
  double outcome_variance = 0.0;              // over the runs of A and B
};

// `outcomes` holds one value per run of a Saltelli design with `base_rows` N and `parameters` k,
// in the design's row order.
SobolIndices sobol_indices(std::span<const double> outcomes, std::size_t base_rows,
                           std::size_t parameters, const BootstrapOptions& bootstrap = {});

}  // namespace airace
