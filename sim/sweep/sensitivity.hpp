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
#include <string>
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

// Signs that the base rows were too few for an outcome (docs/sweeps.md "Sensitivity indices"):
// an index outside [-0.05, 1.05], a first-order index above its total by more than 0.05, or an
// interval wider than `max_width`. Intervals narrow as 1/sqrt(N), so the base rows that would
// bring the widest under `max_width` are N (width / max_width)^2, rounded up to a power of two,
// at least 4 N and at most 64 N (from few rows the interval is too noisy to extrapolate further:
// analyse again after the larger sweep).
struct SobolDiagnosis {
  std::vector<std::string> warnings;   // one sentence each, naming the parameter
  double widest_interval = 0.0;        // the widest interval of S1 or ST
  std::size_t suggested_base_rows = 0;  // N itself when no interval is too wide
};
SobolDiagnosis diagnose_sobol(const SobolIndices& indices, std::size_t base_rows,
                              std::span<const std::string> parameter_names,
                              double max_width = 0.1);

}  // namespace airace
