#include "sim/sweep/distributions.hpp"

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <type_traits>

#include "sim/core/params.hpp"
#include "sim/sweep/sweep_streams.hpp"

namespace airace {

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// z with Phi(z) = 0.9: turns an 80% interval into a lognormal sigma.
constexpr double kZ90 = 1.2815515655446004;

// P. J. Acklam, "An algorithm for computing the inverse normal cumulative distribution
// function" (2003): rational approximations with relative error below 1.15e-9, for p <= 0.5.
double acklam_lower(double p) {
  constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                          1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                          6.680131188771972e+01, -1.328068155288572e+01};
  constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                          -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                          3.754408661907416e+00};
  constexpr double p_low = 0.02425;
  if (p < p_low) {
    const double q = std::sqrt(-2.0 * std::log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
  }
  const double q = p - 0.5;
  const double r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
}

// Phi^-1(p) for p in (0, 0.5]: Acklam's estimate and one Halley step on Phi(x) - p, which
// brings the error to rounding level (Acklam's own refinement). Phi is evaluated through erfc,
// accurate in the lower tail.
double lower_inverse_normal(double p) {
  const double x = acklam_lower(p);
  const double density = std::exp(-0.5 * x * x) / std::sqrt(2.0 * std::numbers::pi);
  if (!(density > 0.0)) return x;  // p below ~1e-300: the step would divide by zero
  const double u = (normal_cdf(x) - p) / density;
  return x - u / (1.0 + 0.5 * x * u);
}

// Normal score for a point whose lower-tail probability is p and upper-tail probability q
// (p + q = 1); the smaller one is used, so extreme quantiles keep their precision.
double normal_score(double p, double q) {
  if (!(p > 0.0)) return -kInfinity;
  if (!(q > 0.0)) return kInfinity;
  return p <= q ? lower_inverse_normal(p) : -lower_inverse_normal(q);
}

// The score of a standard normal truncated to [a, b] at lower-tail probability p (q = 1 - p).
// Each mass is computed where it is small, so bounds far in one tail keep their precision.
double truncated_normal_score(double a, double b, double p, double q) {
  const double below_a = normal_cdf(a);
  const double above_b = normal_cdf(-b);
  double mass = 0.0;
  if (a >= 0.0) {
    mass = normal_cdf(-a) - above_b;
  } else if (b <= 0.0) {
    mass = normal_cdf(b) - below_a;
  } else {
    mass = 1.0 - below_a - above_b;
  }
  const double lower = below_a + p * mass;
  const double upper = above_b + q * mass;
  return std::clamp(normal_score(lower, upper), a, b);
}

// Bounds of a normal or lognormal truncation in standard units.
struct ScoreBounds {
  double a;
  double b;
};
ScoreBounds score_bounds(const NormalShape& s, double low, double high) {
  return {(low - s.mean) / s.sd, (high - s.mean) / s.sd};
}
ScoreBounds score_bounds(const LognormalShape& s, double low, double high) {
  const double a = low > 0.0 ? std::log(low / s.median) / s.sigma : -kInfinity;
  const double b = high > 0.0 ? std::log(high / s.median) / s.sigma : -kInfinity;
  return {a, b};
}
bool is_truncated(const Distribution& d) { return std::isfinite(d.low) || std::isfinite(d.high); }

// The inverse CDF at lower-tail probability p, given also q = 1 - p computed accurately.
double quantile_of(const Distribution& d, double p, double q) {
  return std::visit(
      [&](const auto& s) -> double {
        using Shape = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<Shape, UniformShape>) {
          const double lo = std::max(s.low, d.low);
          const double hi = std::min(s.high, d.high);
          const double x = p <= q ? lo + p * (hi - lo) : hi - q * (hi - lo);
          return std::clamp(x, lo, hi);
        } else {
          double z = 0.0;
          if (is_truncated(d)) {
            const ScoreBounds bounds = score_bounds(s, d.low, d.high);
            z = truncated_normal_score(bounds.a, bounds.b, p, q);
          } else {
            z = normal_score(p, q);
          }
          double x = 0.0;
          if constexpr (std::is_same_v<Shape, NormalShape>) {
            x = s.mean + s.sd * z;
          } else {
            x = s.median * std::exp(s.sigma * z);
          }
          return is_truncated(d) ? std::clamp(x, d.low, d.high) : x;
        }
      },
      d.shape);
}

std::string number(double v) { return format_number(v); }

// Probability mass that a truncation to [low, high] leaves; 0 when it leaves none.
double truncation_mass(const Distribution& d) {
  return std::visit(
      [&](const auto& s) -> double {
        using Shape = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<Shape, UniformShape>) {
          const double lo = std::max(s.low, d.low);
          const double hi = std::min(s.high, d.high);
          return hi > lo ? (hi - lo) / (s.high - s.low) : 0.0;
        } else {
          const ScoreBounds bounds = score_bounds(s, d.low, d.high);
          if (!(bounds.b > bounds.a)) return 0.0;
          if (bounds.a >= 0.0) return normal_cdf(-bounds.a) - normal_cdf(-bounds.b);
          return normal_cdf(bounds.b) - normal_cdf(bounds.a);
        }
      },
      d.shape);
}

}  // namespace

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }

double inverse_normal_cdf(double p) {
  if (std::isnan(p)) return p;
  return normal_score(p, 1.0 - p);
}

Distribution uniform_distribution(double low, double high) {
  std::vector<std::string> problems;
  if (!std::isfinite(low) || !std::isfinite(high) || !(low < high)) {
    problems.push_back("a uniform distribution needs finite low < high; got low " + number(low) +
                       " and high " + number(high));
  }
  throw_if_any(problems);
  return {UniformShape{low, high}};
}

Distribution normal_distribution(double mean, double sd) {
  std::vector<std::string> problems;
  if (!std::isfinite(mean))
    problems.push_back("a normal distribution needs a finite mean; got " + number(mean));
  if (!std::isfinite(sd) || !(sd > 0.0)) {
    problems.push_back("a normal distribution needs a finite sd > 0; got " + number(sd));
  }
  throw_if_any(problems);
  return {NormalShape{mean, sd}};
}

Distribution lognormal_distribution(double median, double sigma) {
  std::vector<std::string> problems;
  if (!std::isfinite(median) || !(median > 0.0)) {
    problems.push_back("a lognormal distribution needs a finite median > 0; got " + number(median));
  }
  if (!std::isfinite(sigma) || !(sigma > 0.0)) {
    problems.push_back("a lognormal distribution needs a finite sigma > 0; got " + number(sigma));
  }
  throw_if_any(problems);
  return {LognormalShape{median, sigma}};
}

Distribution lognormal_from_80_interval(double p10, double p90) {
  if (!std::isfinite(p10) || !std::isfinite(p90) || !(p10 > 0.0) || !(p10 < p90)) {
    throw SweepError({"a lognormal 80% interval needs finite 0 < p10 < p90; got p10 " +
                      number(p10) + " and p90 " + number(p90)});
  }
  // Geometric mean for the median: log(p10) and log(p90) are symmetric about log(median). The
  // product first, so that a round pair (0.5, 2) gives a round median (1); split where it would
  // overflow.
  const double product = p10 * p90;
  const double median = std::isfinite(product) && product > 0.0 ? std::sqrt(product)
                                                                 : std::sqrt(p10) * std::sqrt(p90);
  const double sigma = std::log(p90 / p10) / (2.0 * kZ90);
  return lognormal_distribution(median, sigma);
}

Distribution truncated(Distribution d, double low, double high) {
  const std::string asked = "[" + number(low) + ", " + number(high) + "]";
  if (std::isnan(low) || std::isnan(high) || !(low < high)) {
    throw SweepError({"truncation bounds must satisfy low < high; got " + asked});
  }
  const std::string before = describe(d);
  d.low = std::max(low, d.low);
  d.high = std::min(high, d.high);
  if (!(truncation_mass(d) > 0.0)) {
    throw SweepError({"truncating " + before + " to " + asked +
                      " leaves no probability: the bounds lie outside what it can draw"});
  }
  return d;
}

double median(const Distribution& d) {
  if (std::isinf(d.low) && std::isinf(d.high)) {
    if (const auto* u = std::get_if<UniformShape>(&d.shape)) return 0.5 * (u->low + u->high);
    if (const auto* n = std::get_if<NormalShape>(&d.shape)) return n->mean;
    if (const auto* l = std::get_if<LognormalShape>(&d.shape)) return l->median;
  }
  return quantile(d, 0.5);
}

double quantile(const Distribution& d, double u) { return quantile_of(d, u, 1.0 - u); }

double cdf(const Distribution& d, double x) {
  if (std::isnan(x)) return x;
  if (x < d.low) return 0.0;
  if (x >= d.high) return 1.0;
  return std::visit(
      [&](const auto& s) -> double {
        using Shape = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<Shape, UniformShape>) {
          const double lo = std::max(s.low, d.low);
          const double hi = std::min(s.high, d.high);
          return std::clamp((x - lo) / (hi - lo), 0.0, 1.0);
        } else {
          double z = 0.0;
          if constexpr (std::is_same_v<Shape, NormalShape>) {
            z = (x - s.mean) / s.sd;
          } else {
            if (!(x > 0.0)) return 0.0;
            z = std::log(x / s.median) / s.sigma;
          }
          const ScoreBounds bounds = score_bounds(s, d.low, d.high);
          // Bounds in the upper tail: work with upper-tail probabilities, which keep precision.
          if (bounds.a >= 0.0) {
            return std::clamp((normal_cdf(-bounds.a) - normal_cdf(-z)) /
                                  (normal_cdf(-bounds.a) - normal_cdf(-bounds.b)),
                              0.0, 1.0);
          }
          return std::clamp((normal_cdf(z) - normal_cdf(bounds.a)) /
                                (normal_cdf(bounds.b) - normal_cdf(bounds.a)),
                            0.0, 1.0);
        }
      },
      d.shape);
}

std::string describe(const Distribution& d) {
  std::string text = std::visit(
      [](const auto& s) -> std::string {
        using Shape = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<Shape, UniformShape>) {
          return "uniform(low=" + number(s.low) + ", high=" + number(s.high) + ")";
        } else if constexpr (std::is_same_v<Shape, NormalShape>) {
          return "normal(mean=" + number(s.mean) + ", sd=" + number(s.sd) + ")";
        } else {
          return "lognormal(median=" + number(s.median) + ", sigma=" + number(s.sigma) + ")";
        }
      },
      d.shape);
  if (is_truncated(d)) text += " truncated to [" + number(d.low) + ", " + number(d.high) + "]";
  return text;
}

// ---------------------------------------------------------------------------------------------
// Gaussian copula.

GaussianCopula gaussian_copula(const Eigen::MatrixXd& rank_correlation,
                               const std::string& matrix_name,
                               const std::vector<std::string>& parameter_names) {
  const std::string what = "rank correlation matrix '" + matrix_name + "'";
  const Eigen::Index n = rank_correlation.rows();
  std::vector<std::string> problems;
  if (n == 0 || rank_correlation.cols() != n) {
    throw SweepError({what + " is " + std::to_string(n) + " x " +
                      std::to_string(rank_correlation.cols()) +
                      "; it must be square with one row per uncertain parameter"});
  }
  if (!parameter_names.empty() && parameter_names.size() != static_cast<std::size_t>(n)) {
    throw SweepError({what + " has " + std::to_string(n) + " rows but names " +
                      std::to_string(parameter_names.size()) + " parameters"});
  }
  const auto entry = [&](Eigen::Index i, Eigen::Index j) {
    if (parameter_names.empty()) {
      return "entry (" + std::to_string(i + 1) + ", " + std::to_string(j + 1) + ")";
    }
    return "entry ('" + parameter_names[i] + "', '" + parameter_names[j] + "')";
  };
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index j = 0; j < n; ++j) {
      const double r = rank_correlation(i, j);
      if (i == j) {
        if (r != 1.0)
          problems.push_back(what + ": " + entry(i, j) + " is " + number(r) +
                             "; a diagonal entry must be 1");
      } else if (!std::isfinite(r) || r < -1.0 || r > 1.0) {
        problems.push_back(what + ": " + entry(i, j) + " is " + number(r) +
                           "; it must lie in [-1, 1]");
      } else if (j > i && std::abs(r - rank_correlation(j, i)) > 1e-12) {
        problems.push_back(what + ": " + entry(i, j) + " is " + number(r) + " but " + entry(j, i) +
                           " is " + number(rank_correlation(j, i)) + "; it must be symmetric");
      }
    }
  }
  throw_if_any(problems);

  // Spearman's rho of a bivariate normal with Pearson correlation r is (6 / pi) asin(r / 2)
  // (Pearson 1907; Kruskal 1958), so the copula's r is 2 sin(pi rho / 6).
  GaussianCopula copula;
  copula.pearson = Eigen::MatrixXd::Identity(n, n);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index j = 0; j < i; ++j) {
      const double r = 2.0 * std::sin(std::numbers::pi * rank_correlation(i, j) / 6.0);
      copula.pearson(i, j) = r;
      copula.pearson(j, i) = r;
    }
  }
  // An eigenvalue this close to 0 means one parameter is (almost) a combination of others:
  // the Cholesky factor would turn rounding noise into correlations.
  constexpr double kSmallestEigenvalue = 1e-10;
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(copula.pearson,
                                                             Eigen::EigenvaluesOnly);
  const double smallest = eigen.eigenvalues().minCoeff();
  const Eigen::LLT<Eigen::MatrixXd> llt(copula.pearson);
  if (!(smallest > kSmallestEigenvalue) || llt.info() != Eigen::Success) {
    throw SweepError({what +
                      " is not positive definite (as the normal copula's correlation "
                      "2 sin(pi rho / 6), smallest eigenvalue " +
                      number(smallest) +
                      "): these correlations cannot hold together; weaken some of them"});
  }
  copula.cholesky = llt.matrixL();
  return copula;
}

std::vector<double> uncertain_values(const UncertainParameters& parameters,
                                     std::span<const double> independent_uniforms) {
  const std::size_t n = parameters.distributions.size();
  std::vector<std::string> problems;
  if (!parameters.names.empty() && parameters.names.size() != n) {
    problems.push_back(std::to_string(parameters.names.size()) + " names for " + std::to_string(n) +
                       " uncertain parameters");
  }
  if (independent_uniforms.size() != n) {
    problems.push_back(std::to_string(independent_uniforms.size()) + " uniforms for " +
                       std::to_string(n) + " uncertain parameters");
  }
  if (parameters.copula && static_cast<std::size_t>(parameters.copula->cholesky.rows()) != n) {
    problems.push_back("the correlation matrix has " +
                       std::to_string(parameters.copula->cholesky.rows()) + " rows for " +
                       std::to_string(n) + " uncertain parameters");
  }
  throw_if_any(problems);

  std::vector<double> values(n);
  if (!parameters.copula) {
    for (std::size_t p = 0; p < n; ++p) {
      values[p] = quantile(parameters.distributions[p], independent_uniforms[p]);
    }
    return values;
  }
  Eigen::VectorXd scores(static_cast<Eigen::Index>(n));
  for (std::size_t p = 0; p < n; ++p) {
    scores(static_cast<Eigen::Index>(p)) = inverse_normal_cdf(independent_uniforms[p]);
  }
  const Eigen::VectorXd correlated =
      parameters.copula->cholesky.triangularView<Eigen::Lower>() * scores;
  for (std::size_t p = 0; p < n; ++p) {
    const double z = correlated(static_cast<Eigen::Index>(p));
    values[p] = quantile_of(parameters.distributions[p], normal_cdf(z), normal_cdf(-z));
  }
  return values;
}

std::vector<double> sample_replicate(const UncertainParameters& parameters, uint64_t seed,
                                     uint32_t replicate) {
  std::vector<double> uniforms(parameters.distributions.size());
  if (parameters.names.size() != uniforms.size())
    throw std::logic_error("uncertain parameters without a name each: their draws are keyed by name");
  for (std::size_t p = 0; p < uniforms.size(); ++p) {
    uniforms[p] = sweep_stream(seed, replicate, SweepDraw::uncertain_parameters, 0,
                               parameter_stream_id(parameters.names[p]))
                      .uniform();
  }
  return uncertain_values(parameters, uniforms);
}

}  // namespace airace
