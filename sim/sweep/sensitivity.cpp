#include "sim/sweep/sensitivity.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "sim/core/parallel.hpp"
#include "sim/core/params.hpp"
#include "sim/sweep/design.hpp"
#include "sim/sweep/sweep_streams.hpp"

namespace airace {

namespace {

struct Estimates {
  std::vector<double> first_order;
  std::vector<double> total;
  std::vector<double> second_order;  // at sobol_pair(k, i, j)
  double variance = 0.0;
};

// Point estimates over the base rows `rows` (each index in [0, N), repeats allowed).
// A. Saltelli, P. Annoni, I. Azzini, F. Campolongo, M. Ratto, S. Tarantola, "Variance based
// sensitivity analysis of model output. Design and estimator for the total sensitivity index",
// Comput. Phys. Commun. 181 (2010) 259-270, Table 2:
//   first order (b):         V_i  = 1/N sum_j f(B)_j (f(A_B^i)_j - f(A)_j)
//   total, Jansen 1999 (f):  VT_i = 1/(2N) sum_j (f(A)_j - f(A_B^i)_j)^2
// both divided by V(Y), estimated from the runs of A and B together. Second order, A. Saltelli,
// "Making best use of model evaluations to compute sensitivity indices", Comput. Phys. Commun.
// 145 (2002) 280-297, eq. (13), as SALib's sobol.analyze computes it:
//   V_ij = 1/N sum_r (f(B_A^i)_r f(A_B^j)_r - f(A)_r f(B)_r) / V(Y);   S_ij = V_ij - S_i - S_j
template <class RowOf>
Estimates estimate(std::span<const double> y, std::size_t n, std::size_t k, bool second_order,
                   RowOf row_of) {
  Estimates e;
  e.first_order.assign(k, 0.0);
  e.total.assign(k, 0.0);
  // Two passes over A and B: mean, then squared deviations (no cancellation).
  double sum = 0.0;
  for (std::size_t j = 0; j < n; ++j) {
    const std::size_t r = row_of(j);
    sum += y[saltelli_row_a(n, r)] + y[saltelli_row_b(n, r)];
  }
  const double mean = sum / static_cast<double>(2 * n);
  double squares = 0.0;
  for (std::size_t j = 0; j < n; ++j) {
    const std::size_t r = row_of(j);
    const double da = y[saltelli_row_a(n, r)] - mean;
    const double db = y[saltelli_row_b(n, r)] - mean;
    squares += da * da + db * db;
  }
  e.variance = squares / static_cast<double>(2 * n);
  for (std::size_t i = 0; i < k; ++i) {
    double first = 0.0;
    double total = 0.0;
    for (std::size_t j = 0; j < n; ++j) {
      const std::size_t r = row_of(j);
      const double fa = y[saltelli_row_a(n, r)];
      const double fb = y[saltelli_row_b(n, r)];
      const double fab = y[saltelli_row_ab(n, i, r)];
      first += fb * (fab - fa);
      total += (fa - fab) * (fa - fab);
    }
    e.first_order[i] = first / static_cast<double>(n) / e.variance;
    e.total[i] = total / static_cast<double>(2 * n) / e.variance;
  }
  if (!second_order) return e;
  e.second_order.assign(k * (k - 1) / 2, 0.0);
  for (std::size_t i = 0; i < k; ++i) {
    for (std::size_t jj = i + 1; jj < k; ++jj) {
      double joint = 0.0;
      for (std::size_t j = 0; j < n; ++j) {
        const std::size_t r = row_of(j);
        joint += y[saltelli_row_ba(n, k, i, r)] * y[saltelli_row_ab(n, jj, r)] -
                 y[saltelli_row_a(n, r)] * y[saltelli_row_b(n, r)];
      }
      e.second_order[sobol_pair(k, i, jj)] =
          joint / static_cast<double>(n) / e.variance - e.first_order[i] - e.first_order[jj];
    }
  }
  return e;
}

// Linear interpolation between order statistics (Hyndman & Fan type 7) of the finite values.
double percentile(std::vector<double> values, double probability) {
  std::erase_if(values, [](double v) { return !std::isfinite(v); });
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(values.begin(), values.end());
  const double position = probability * static_cast<double>(values.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(position));
  const std::size_t above = std::min(below + 1, values.size() - 1);
  const double weight = position - static_cast<double>(below);
  return values[below] + weight * (values[above] - values[below]);
}

// The problems every analysis shares: outcomes that are not finite, a bootstrap that cannot run.
void add_outcome_problems(std::span<const double> y, const BootstrapOptions& bootstrap,
                          std::vector<std::string>& problems) {
  std::size_t not_finite = 0;
  for (std::size_t r = 0; r < y.size(); ++r) {
    if (std::isfinite(y[r])) continue;
    if (++not_finite <= 5) {
      problems.push_back("the outcome of run " + std::to_string(r) + " is " + format_number(y[r]) +
                         "; every run must succeed with a finite outcome");
    }
  }
  if (not_finite > 5) {
    problems.push_back("... and " + std::to_string(not_finite - 5) +
                       " more runs without a finite outcome");
  }
  if (bootstrap.resamples == 0)
    problems.push_back("the bootstrap needs at least 1 resample; got 0");
  if (!(bootstrap.confidence > 0.0 && bootstrap.confidence < 1.0)) {
    problems.push_back("the confidence level must lie strictly between 0 and 1; got " +
                       format_number(bootstrap.confidence));
  }
}

std::vector<std::string> problems_of(std::span<const double> y, std::size_t n, std::size_t k,
                                     const BootstrapOptions& bootstrap, bool second_order) {
  std::vector<std::string> problems;
  if (n < 2)
    problems.push_back("Sobol indices need at least 2 base rows; got " + std::to_string(n));
  if (k == 0) problems.push_back("Sobol indices need at least one parameter; got 0");
  if (y.size() != saltelli_run_count(n, k, second_order)) {
    problems.push_back("a " + std::string(second_order ? "second-order " : "") +
                       "Saltelli design with " + std::to_string(n) + " base rows and " +
                       std::to_string(k) + " parameters has " +
                       std::to_string(saltelli_run_count(n, k, second_order)) + " runs; got " +
                       std::to_string(y.size()) + " outcomes");
  }
  add_outcome_problems(y, bootstrap, problems);
  return problems;
}

}  // namespace

SobolIndices sobol_indices(std::span<const double> outcomes, std::size_t base_rows,
                           std::size_t parameters, const BootstrapOptions& bootstrap,
                           bool second_order) {
  const std::size_t n = base_rows;
  const std::size_t k = parameters;
  throw_if_any(problems_of(outcomes, n, k, bootstrap, second_order));

  const Estimates all = estimate(outcomes, n, k, second_order, [](std::size_t j) { return j; });
  if (!(all.variance > 0.0)) {
    throw SweepError(
        {"the outcome is the same in every run of A and B (variance 0): it has no "
         "variance to apportion to the parameters"});
  }

  // Each resample writes its own slot; a resample whose rows happen not to vary gives NaN
  // indices, which the percentiles leave out.
  std::vector<Estimates> resampled(bootstrap.resamples);
  parallel_for_each_index(bootstrap.resamples, 8, [&](std::size_t b) {
    RandomStream rng = sweep_stream(bootstrap.seed, 0, SweepDraw::bootstrap, 0, b);
    std::vector<std::size_t> rows(n);
    for (std::size_t& r : rows) r = uniform_index(rng, n);
    resampled[b] =
        estimate(outcomes, n, k, second_order, [&rows](std::size_t j) { return rows[j]; });
  });

  const double tail = 0.5 * (1.0 - bootstrap.confidence);
  const auto interval = [&](double point, auto member) {
    std::vector<double> values(resampled.size());
    for (std::size_t b = 0; b < resampled.size(); ++b) values[b] = member(resampled[b]);
    return SensitivityIndex{point, percentile(values, tail), percentile(values, 1.0 - tail)};
  };
  SobolIndices result;
  result.outcome_variance = all.variance;
  for (std::size_t i = 0; i < k; ++i) {
    result.first_order.push_back(
        interval(all.first_order[i], [i](const Estimates& e) { return e.first_order[i]; }));
    result.total.push_back(interval(all.total[i], [i](const Estimates& e) { return e.total[i]; }));
  }
  for (std::size_t p = 0; p < all.second_order.size(); ++p) {
    result.second_order.push_back(
        interval(all.second_order[p], [p](const Estimates& e) { return e.second_order[p]; }));
  }
  return result;
}

MorrisIndices morris_indices(std::span<const double> outcomes, const MorrisDesign& design,
                             const BootstrapOptions& bootstrap) {
  const std::size_t r = design.trajectories;
  const std::size_t k = design.parameters;
  std::vector<std::string> problems = morris_problems(r, k, design.levels);
  if (outcomes.size() != morris_run_count(r, k)) {
    problems.push_back("a Morris design of " + std::to_string(r) + " trajectories and " +
                       std::to_string(k) + " parameters has " +
                       std::to_string(morris_run_count(r, k)) + " runs; got " +
                       std::to_string(outcomes.size()) + " outcomes");
  }
  add_outcome_problems(outcomes, bootstrap, problems);
  throw_if_any(problems);

  // effect[t * k + i]: the elementary effect of parameter i on trajectory t.
  std::vector<double> effect(r * k);
  for (std::size_t t = 0; t < r; ++t) {
    for (std::size_t m = 1; m <= k; ++m) {
      const std::size_t i = design.moved[t * k + m - 1];
      const auto before = static_cast<Eigen::Index>(morris_row(k, t, m - 1));
      const auto after = static_cast<Eigen::Index>(morris_row(k, t, m));
      const auto col = static_cast<Eigen::Index>(i);
      effect[t * k + i] =
          (outcomes[static_cast<std::size_t>(after)] - outcomes[static_cast<std::size_t>(before)]) /
          (design.runs(after, col) - design.runs(before, col));
    }
  }
  // Mean |EE_i| over the trajectories `rows` (each in [0, r), repeats allowed).
  const auto mean_abs = [&](std::size_t i, auto row_of) {
    double sum = 0.0;
    for (std::size_t t = 0; t < r; ++t) sum += std::abs(effect[row_of(t) * k + i]);
    return sum / static_cast<double>(r);
  };

  std::vector<std::vector<double>> resampled(bootstrap.resamples);
  parallel_for_each_index(bootstrap.resamples, 8, [&](std::size_t b) {
    RandomStream rng = sweep_stream(bootstrap.seed, 0, SweepDraw::bootstrap, 1, b);
    std::vector<std::size_t> rows(r);
    for (std::size_t& t : rows) t = uniform_index(rng, r);
    resampled[b].resize(k);
    for (std::size_t i = 0; i < k; ++i)
      resampled[b][i] = mean_abs(i, [&rows](std::size_t t) { return rows[t]; });
  });

  const double tail = 0.5 * (1.0 - bootstrap.confidence);
  MorrisIndices result;
  for (std::size_t i = 0; i < k; ++i) {
    double sum = 0.0;
    for (std::size_t t = 0; t < r; ++t) sum += effect[t * k + i];
    const double mu = sum / static_cast<double>(r);
    double squares = 0.0;
    for (std::size_t t = 0; t < r; ++t)
      squares += (effect[t * k + i] - mu) * (effect[t * k + i] - mu);
    std::vector<double> values(resampled.size());
    for (std::size_t b = 0; b < resampled.size(); ++b) values[b] = resampled[b][i];
    result.mu_star.push_back({mean_abs(i, [](std::size_t t) { return t; }),
                              percentile(values, tail), percentile(values, 1.0 - tail)});
    result.mu.push_back(mu);
    result.sigma.push_back(std::sqrt(squares / static_cast<double>(r - 1)));
  }
  return result;
}

SobolDiagnosis diagnose_sobol(const SobolIndices& s, std::size_t base_rows,
                              std::span<const std::string> names, double max_width) {
  SobolDiagnosis d;
  d.suggested_base_rows = base_rows;
  std::string widest_what;
  const auto outside = [](double v) { return !(v >= -0.05 && v <= 1.05); };
  for (std::size_t i = 0; i < s.first_order.size() && i < names.size(); ++i) {
    const SensitivityIndex& f = s.first_order[i];
    const SensitivityIndex& t = s.total[i];
    if (outside(f.estimate))
      d.warnings.push_back(names[i] + ": first-order index " + format_number(f.estimate) +
                           " is outside [-0.05, 1.05]");
    if (outside(t.estimate))
      d.warnings.push_back(names[i] + ": total index " + format_number(t.estimate) +
                           " is outside [-0.05, 1.05]");
    if (f.estimate > t.estimate + 0.05)
      d.warnings.push_back(names[i] + ": first-order index " + format_number(f.estimate) +
                           " is above its total index " + format_number(t.estimate));
    for (const auto& [index, what] : {std::pair{&f, "first-order"}, std::pair{&t, "total"}}) {
      const double width = index->high - index->low;
      if (std::isfinite(width) && width > d.widest_interval) {
        d.widest_interval = width;
        widest_what = std::string(what) + " index of " + names[i];
      }
    }
  }
  if (d.widest_interval > max_width) {
    d.warnings.push_back("the widest interval (" + widest_what + ") is " +
                         format_number(d.widest_interval) + " wide, above " +
                         format_number(max_width));
  }
  if (!d.warnings.empty()) {
    // Intervals narrow as 1/sqrt(N); at least double N when an index is out of range. From a
    // few base rows the interval is itself too noisy to extrapolate far: at most 8x (64 N).
    const double ratio = std::clamp(d.widest_interval / max_width, 2.0, 8.0);
    const double wanted = static_cast<double>(base_rows) * ratio * ratio;
    std::size_t n = 1;
    while (static_cast<double>(n) < wanted && n < (std::size_t{1} << 40)) n <<= 1;
    d.suggested_base_rows = n;
  }
  return d;
}

}  // namespace airace
