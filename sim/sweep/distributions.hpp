#pragma once
// Distributions of uncertain parameters, and their joint draw through a Gaussian copula.
//
// A distribution maps u in (0, 1) to a value by its inverse CDF, so a design column or a
// counter-based uniform becomes a parameter value. Shapes: uniform(low, high), normal(mean, sd),
// lognormal(median, sigma), lognormal from its 80% interval (p10, p90), each optionally
// truncated to [low, high]. Truncation is part of the distribution, not a redraw.
//
// Correlations are rank (Spearman) correlations, imposed through a Gaussian copula. One
// replicate's values are a pure function of (seed, replicate).
//
// Invalid parameters throw SweepError listing every problem.

#include <Eigen/Core>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "sim/sweep/sweep_error.hpp"

namespace airace {

// Standard normal CDF and its inverse. The inverse is Acklam's rational approximation refined by
// one Halley step: relative error about 1e-15. Both sides of the tails are accurate.
double normal_cdf(double x);
double inverse_normal_cdf(double p);  // p in (0, 1); 0 and 1 give -inf and +inf

struct UniformShape {
  double low;
  double high;
};
struct NormalShape {
  double mean;
  double sd;
};
struct LognormalShape {  // log(X) ~ normal(log(median), sigma)
  double median;
  double sigma;
};

struct Distribution {
  std::variant<UniformShape, NormalShape, LognormalShape> shape;
  // Truncation bounds; infinite when absent.
  double low = -std::numeric_limits<double>::infinity();
  double high = std::numeric_limits<double>::infinity();
};

Distribution uniform_distribution(double low, double high);
Distribution normal_distribution(double mean, double sd);
Distribution lognormal_distribution(double median, double sigma);
// The forecasters' form: 10% and 90% quantiles. median = sqrt(p10 p90),
// sigma = ln(p90 / p10) / (2 z_0.9).
Distribution lognormal_from_80_interval(double p10, double p90);
// The distribution conditioned on [low, high]; an infinite bound leaves that side open.
Distribution truncated(Distribution d, double low, double high);

// Inverse CDF at u in (0, 1); u = 0 or 1 give the ends of the support.
double quantile(const Distribution& d, double u);
double cdf(const Distribution& d, double x);
// The median: exactly the shape's own (the uniform's midpoint, the normal's mean, the
// lognormal's median) when untruncated, else quantile(d, 0.5).
double median(const Distribution& d);
// e.g. "lognormal(median=2, sigma=0.5) truncated to [1, inf]", for records and messages.
std::string describe(const Distribution& d);

// A Gaussian copula built from a rank correlation matrix.
struct GaussianCopula {
  Eigen::MatrixXd pearson;   // of the normal scores: 2 sin(pi rho_s / 6)
  Eigen::MatrixXd cholesky;  // lower triangular, cholesky * cholesky^T = pearson
};

// `rank_correlation` must be square, symmetric, with unit diagonal and entries in [-1, 1], and
// its normal-score counterpart positive definite. `matrix_name` and `parameter_names` (one per
// row, or empty) name the matrix and its entries in messages.
GaussianCopula gaussian_copula(const Eigen::MatrixXd& rank_correlation,
                               const std::string& matrix_name,
                               const std::vector<std::string>& parameter_names = {});

struct UncertainParameters {
  std::vector<std::string> names;
  std::vector<Distribution> distributions;
  std::optional<GaussianCopula> copula;  // none: independent
};

// Values of the parameters for independent uniforms, one per parameter: through the copula
// (uniforms -> normal scores -> correlated scores) when there is one, then each inverse CDF.
std::vector<double> uncertain_values(const UncertainParameters& parameters,
                                     std::span<const double> independent_uniforms);

// One replicate's values, drawn from the counter-based streams: a parameter's uniform is keyed by
// (seed, replicate, its name), so it does not depend on which thread or process draws it, nor on
// the other parameters the scenario draws (a what-if that adds one leaves the others' draws as
// they were: paired comparisons stay paired). Correlated parameters mix their draws through the
// copula. Throws std::logic_error unless names has one entry per distribution.
std::vector<double> sample_replicate(const UncertainParameters& parameters, uint64_t seed,
                                     uint32_t replicate);

}  // namespace airace
