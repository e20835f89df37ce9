#pragma once
// Sobol sensitivity indices of one outcome from the runs of a Saltelli design (design.hpp):
// first-order S_i (the share of the outcome's variance due to parameter i alone) and total ST_i
// (its share including every interaction), each with a bootstrap confidence interval from
// resampling the N base rows; from a second-order design also second-order S_ij (the share due
// to the interaction of i and j alone). Morris elementary effects (mu*, mu, sigma) from the runs
// of a Morris design. Deterministic for a seed, whatever the thread count.
//
// Invalid input (a length that does not match the design, a failed run's NaN, an outcome that
// does not vary) throws SweepError.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "sim/sweep/design.hpp"
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
  // S_ij for each pair i < j, at sobol_pair(k, i, j); empty unless asked for.
  std::vector<SensitivityIndex> second_order;
  double outcome_variance = 0.0;              // over the runs of A and B
};

// The place of pair (i, j), i < j < k, in SobolIndices::second_order: (0, 1), (0, 2), ...,
// (0, k-1), (1, 2), ... in that order.
inline std::size_t sobol_pair(std::size_t k, std::size_t i, std::size_t j) {
  return i * (2 * k - i - 1) / 2 + (j - i - 1);
}

// `outcomes` holds one value per run of a Saltelli design with `base_rows` N and `parameters` k,
// in the design's row order; a second-order design (its B_A^(i) blocks included) when
// `second_order`, which adds S_ij.
SobolIndices sobol_indices(std::span<const double> outcomes, std::size_t base_rows,
                           std::size_t parameters, const BootstrapOptions& bootstrap = {},
                           bool second_order = false);

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

// Morris elementary effects (Morris 1991; mu* from F. Campolongo, J. Cariboni, A. Saltelli, "An
// effective screening design for sensitivity analysis of large models", Environ. Model. Softw.
// 22 (2007) 1509-1518). The effect of parameter i on trajectory t is
//   EE_i = (y(step after i moved) - y(step before)) / (change of i's design coordinate)
// in the outcome's unit per whole range of the parameter (design coordinates run over [0, 1]),
// as SALib's morris.analyze computes it: f = a x_i over [lo, hi] gives EE_i = a (hi - lo).
struct MorrisIndices {
  std::vector<SensitivityIndex> mu_star;  // mean |EE_i|; bootstrap interval over trajectories
  std::vector<double> mu;                 // mean EE_i: effects of opposite sign cancel
  std::vector<double> sigma;              // standard deviation of EE_i (divisor r - 1):
                                          // interactions and non-linearity
};

// `outcomes` holds one value per run of `design`, in its row order.
MorrisIndices morris_indices(std::span<const double> outcomes, const MorrisDesign& design,
                             const BootstrapOptions& bootstrap = {});

}  // namespace airace
