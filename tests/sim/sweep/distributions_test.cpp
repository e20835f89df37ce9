#include "sim/sweep/distributions.hpp"

#include <doctest/doctest.h>
#include <oneapi/tbb/global_control.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numbers>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/core/parallel.hpp"
#include "tests/sweep_errors.hpp"

using namespace airace;

namespace distributions_test {

namespace {

using testing::contains;
using testing::error_text;

// Ranks 0..n-1 (the draws are continuous, so there are no ties).
std::vector<double> ranks(const std::vector<double>& x) {
  std::vector<std::size_t> order(x.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return x[a] < x[b]; });
  std::vector<double> r(x.size());
  for (std::size_t i = 0; i < order.size(); ++i) r[order[i]] = static_cast<double>(i);
  return r;
}

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
  const double n = static_cast<double>(x.size());
  const double mx = std::accumulate(x.begin(), x.end(), 0.0) / n;
  const double my = std::accumulate(y.begin(), y.end(), 0.0) / n;
  double sxy = 0.0;
  double sxx = 0.0;
  double syy = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  return sxy / std::sqrt(sxx * syy);
}

double spearman(const std::vector<double>& x, const std::vector<double>& y) {
  return pearson(ranks(x), ranks(y));
}

UncertainParameters three_correlated() {
  Eigen::MatrixXd rho(3, 3);
  rho << 1.0, 0.6, -0.3,  //
      0.6, 1.0, 0.2,      //
      -0.3, 0.2, 1.0;
  UncertainParameters p;
  p.names = {"growth", "cost", "demand"};
  p.distributions = {normal_distribution(0.3, 0.1), lognormal_from_80_interval(2.0, 8.0),
                     uniform_distribution(-1.0, 1.0)};
  p.copula = gaussian_copula(rho, "uncertain.correlations", p.names);
  return p;
}

}  // namespace

TEST_CASE("inverse normal cdf matches known quantiles to 1e-12") {
  CHECK(inverse_normal_cdf(0.5) == 0.0);
  CHECK(inverse_normal_cdf(0.975) == doctest::Approx(1.959963984540054).epsilon(1e-13));
  CHECK(inverse_normal_cdf(0.9) == doctest::Approx(1.2815515655446004).epsilon(1e-13));
  CHECK(inverse_normal_cdf(0.001) == doctest::Approx(-3.090232306167813).epsilon(1e-13));
  CHECK(inverse_normal_cdf(1e-10) == doctest::Approx(-6.361340902404056).epsilon(1e-13));
  CHECK(inverse_normal_cdf(0.3) == doctest::Approx(-0.5244005127080408).epsilon(1e-13));
  CHECK(inverse_normal_cdf(1e-300) == doctest::Approx(-37.0470962993612).epsilon(1e-9));
  CHECK(std::isinf(inverse_normal_cdf(0.0)));
  CHECK(std::isinf(inverse_normal_cdf(1.0)));
}

TEST_CASE("inverse normal cdf inverts the normal cdf across the whole range") {
  for (double p = 1e-15; p < 0.5; p *= 1.7) {
    const double x = inverse_normal_cdf(p);
    CHECK(normal_cdf(x) == doctest::Approx(p).epsilon(1e-13));
    // The upper tail: Phi(-x) is the same small probability.
    CHECK(normal_cdf(-inverse_normal_cdf(1.0 - p)) ==
          doctest::Approx(1.0 - (1.0 - p)).epsilon(1e-13));
  }
  for (double p = 0.02; p < 0.98; p += 0.01) {
    CHECK(normal_cdf(inverse_normal_cdf(p)) == doctest::Approx(p).epsilon(1e-14));
  }
}

TEST_CASE("distribution quantiles give the defining values") {
  const Distribution u = uniform_distribution(2.0, 6.0);
  CHECK(quantile(u, 0.25) == 3.0);
  CHECK(quantile(u, 0.75) == 5.0);
  const Distribution n = normal_distribution(10.0, 2.0);
  CHECK(quantile(n, 0.5) == 10.0);
  CHECK(quantile(n, 0.975) == doctest::Approx(10.0 + 2.0 * 1.959963984540054).epsilon(1e-13));
  const Distribution ln = lognormal_distribution(3.0, 0.5);
  CHECK(quantile(ln, 0.5) == doctest::Approx(3.0).epsilon(1e-15));
  CHECK(quantile(ln, 0.975) ==
        doctest::Approx(3.0 * std::exp(0.5 * 1.959963984540054)).epsilon(1e-13));
  for (const Distribution& d : {u, n, ln}) {
    for (double p : {1e-9, 0.01, 0.3, 0.5, 0.8, 0.999999}) {
      CHECK(cdf(d, quantile(d, p)) == doctest::Approx(p).epsilon(1e-9));
    }
  }
}

TEST_CASE("lognormal from an 80 percent interval returns p10 and p90 at 0.1 and 0.9") {
  const Distribution d = lognormal_from_80_interval(0.5, 20.0);
  CHECK(quantile(d, 0.1) == doctest::Approx(0.5).epsilon(1e-12));
  CHECK(quantile(d, 0.9) == doctest::Approx(20.0).epsilon(1e-12));
  CHECK(quantile(d, 0.5) == doctest::Approx(std::sqrt(0.5 * 20.0)).epsilon(1e-13));
  const auto& shape = std::get<LognormalShape>(d.shape);
  CHECK(shape.sigma == doctest::Approx(std::log(40.0) / (2.0 * 1.2815515655446004)).epsilon(1e-14));
}

TEST_CASE("truncated distributions stay inside their bounds and keep their shape") {
  const Distribution n =
      truncated(normal_distribution(0.0, 1.0), 0.0, std::numeric_limits<double>::infinity());
  // The half-normal: its median is Phi^-1(0.75).
  CHECK(quantile(n, 0.5) == doctest::Approx(inverse_normal_cdf(0.75)).epsilon(1e-13));
  // Far in the upper tail the bounds keep their precision.
  const Distribution tail = truncated(normal_distribution(0.0, 1.0), 8.0, 9.0);
  const Distribution ln = truncated(lognormal_distribution(1.0, 1.0), 0.5, 4.0);
  for (double u = 0.0005; u < 1.0; u += 0.001) {
    const double x = quantile(tail, u);
    CHECK(x >= 8.0);
    CHECK(x <= 9.0);
    CHECK(cdf(tail, x) == doctest::Approx(u).epsilon(1e-6));
    const double y = quantile(ln, u);
    CHECK(y >= 0.5);
    CHECK(y <= 4.0);
    CHECK(cdf(ln, y) == doctest::Approx(u).epsilon(1e-9));
  }
  CHECK(quantile(truncated(uniform_distribution(0.0, 10.0), 2.0, 4.0), 0.5) == 3.0);
  CHECK(contains(describe(ln), "lognormal(median=1, sigma=1) truncated to [0.5, 4]"));
}

TEST_CASE("distribution parameters outside their ranges are rejected with the values found") {
  CHECK(contains(error_text([] { uniform_distribution(3.0, 1.0); }),
                 "finite low < high; got low 3 and high 1"));
  CHECK(contains(error_text([] { normal_distribution(0.0, -1.0); }), "sd > 0; got -1"));
  const std::string both = error_text([] { lognormal_distribution(0.0, 0.0); });
  CHECK(contains(both, "median > 0; got 0"));
  CHECK(contains(both, "sigma > 0; got 0"));
  CHECK(contains(error_text([] { lognormal_from_80_interval(5.0, 2.0); }),
                 "0 < p10 < p90; got p10 5 and p90 2"));
  CHECK(contains(error_text([] { lognormal_from_80_interval(0.0, 2.0); }), "p10 0"));
  CHECK(contains(error_text([] { truncated(lognormal_distribution(1.0, 0.5), -2.0, -1.0); }),
                 "leaves no probability"));
  CHECK(contains(error_text([] { truncated(normal_distribution(0.0, 1.0), 1.0, 1.0); }),
                 "low < high"));
  CHECK(contains(error_text([] { truncated(normal_distribution(0.0, 1.0), 50.0, 60.0); }),
                 "leaves no probability"));
}

TEST_CASE("copula draws approach the configured rank correlations") {
  const UncertainParameters p = three_correlated();
  const int n = 20000;
  std::vector<std::vector<double>> x(3, std::vector<double>(n));
  for (int r = 0; r < n; ++r) {
    const std::vector<double> v = sample_replicate(p, 17, static_cast<uint32_t>(r));
    for (int i = 0; i < 3; ++i) x[i][r] = v[i];
  }
  // The standard error of a rank correlation near these values is about 0.006 at n = 20000.
  CHECK(std::abs(spearman(x[0], x[1]) - 0.6) < 0.02);
  CHECK(std::abs(spearman(x[0], x[2]) + 0.3) < 0.02);
  CHECK(std::abs(spearman(x[1], x[2]) - 0.2) < 0.02);
  // The marginals are untouched: medians of the normal and the lognormal, range of the uniform.
  auto median = [](std::vector<double> v) {
    std::nth_element(v.begin(), v.begin() + static_cast<long>(v.size() / 2), v.end());
    return v[v.size() / 2];
  };
  CHECK(std::abs(median(x[0]) - 0.3) < 0.005);
  CHECK(std::abs(median(x[1]) - 4.0) < 0.1);
  CHECK(*std::min_element(x[2].begin(), x[2].end()) >= -1.0);
  CHECK(*std::max_element(x[2].begin(), x[2].end()) <= 1.0);
}

TEST_CASE("copula without correlation draws independent parameters") {
  UncertainParameters p = three_correlated();
  p.copula.reset();
  std::vector<std::vector<double>> x(2, std::vector<double>(20000));
  for (uint32_t r = 0; r < 20000; ++r) {
    const std::vector<double> v = sample_replicate(p, 17, r);
    x[0][r] = v[0];
    x[1][r] = v[1];
  }
  CHECK(std::abs(spearman(x[0], x[1])) < 0.03);
}

TEST_CASE("copula converts rank correlations to the pearson correlation of the normal scores") {
  const UncertainParameters p = three_correlated();
  CHECK(p.copula->pearson(0, 1) == doctest::Approx(2.0 * std::sin(std::numbers::pi * 0.6 / 6.0)));
  CHECK(p.copula->pearson(2, 0) == doctest::Approx(2.0 * std::sin(-std::numbers::pi * 0.3 / 6.0)));
  CHECK(p.copula->pearson(1, 1) == 1.0);
  const Eigen::MatrixXd rebuilt = p.copula->cholesky * p.copula->cholesky.transpose();
  CHECK((rebuilt - p.copula->pearson).cwiseAbs().maxCoeff() < 1e-14);
}

TEST_CASE("a correlation matrix that is not positive definite is rejected naming it") {
  Eigen::MatrixXd rho(3, 3);
  rho << 1.0, 0.9, -0.9,  //
      0.9, 1.0, 0.9,      //
      -0.9, 0.9, 1.0;
  const std::string text = error_text([&] { gaussian_copula(rho, "sweep.correlations"); });
  CHECK(contains(text, "rank correlation matrix 'sweep.correlations' is not positive definite"));
  CHECK(contains(text, "smallest eigenvalue -"));
}

TEST_CASE("a malformed correlation matrix is rejected with every bad entry named") {
  Eigen::MatrixXd rho(3, 3);
  rho << 1.0, 0.5, 1.5,  //
      0.4, 1.0, 0.0,     //
      1.5, 0.0, 0.9;
  const std::vector<std::string> names{"a", "b", "c"};
  const std::string text = error_text([&] { gaussian_copula(rho, "m", names); });
  CHECK(contains(text, "entry ('a', 'b') is 0.5 but entry ('b', 'a') is 0.4"));
  CHECK(contains(text, "entry ('a', 'c') is 1.5; it must lie in [-1, 1]"));
  CHECK(contains(text, "entry ('c', 'c') is 0.9; a diagonal entry must be 1"));
  CHECK(contains(error_text([] { gaussian_copula(Eigen::MatrixXd::Identity(2, 3), "m"); }),
                 "is 2 x 3"));
  CHECK(contains(error_text([&] { gaussian_copula(Eigen::MatrixXd::Identity(2, 2), "m", names); }),
                 "has 2 rows but names 3 parameters"));
}

TEST_CASE("a replicate's uncertain values do not depend on the thread that draws them") {
  const UncertainParameters p = three_correlated();
  auto draw_all = [&](int threads) {
    oneapi::tbb::global_control cap(oneapi::tbb::global_control::max_allowed_parallelism,
                                    static_cast<std::size_t>(threads));
    std::vector<std::vector<double>> out(2000);
    parallel_for_each_index(out.size(), 7, [&](std::size_t r) {
      out[r] = sample_replicate(p, 99, static_cast<uint32_t>(r));
    });
    return out;
  };
  const auto serial = draw_all(1);
  CHECK(serial == draw_all(2));
  CHECK(serial == draw_all(4));
  CHECK(sample_replicate(p, 99, 5) == serial[5]);
  CHECK(sample_replicate(p, 98, 5) != serial[5]);
  CHECK(sample_replicate(p, 99, 6) != serial[5]);
}

TEST_CASE("a parameter's draws do not move when other parameters are added or reordered") {
  const UncertainParameters p = three_correlated();
  // An independent parameter put first: the copula's matrix gains a row and column of zeros.
  UncertainParameters q;
  q.names = {"added", "growth", "cost", "demand"};
  q.distributions = {uniform_distribution(0.0, 1.0), p.distributions[0], p.distributions[1],
                     p.distributions[2]};
  Eigen::MatrixXd rho = Eigen::MatrixXd::Identity(4, 4);
  rho.block(1, 1, 3, 3) << 1.0, 0.6, -0.3,  //
      0.6, 1.0, 0.2,                        //
      -0.3, 0.2, 1.0;
  q.copula = gaussian_copula(rho, "uncertain.correlations", q.names);
  // Two independent parameters, in either order.
  UncertainParameters ab, ba;
  ab.names = {"a", "b"};
  ab.distributions = {normal_distribution(0.0, 1.0), uniform_distribution(2.0, 3.0)};
  ba.names = {"b", "a"};
  ba.distributions = {ab.distributions[1], ab.distributions[0]};
  for (uint32_t r = 0; r < 50; ++r) {
    CAPTURE(r);
    const std::vector<double> before = sample_replicate(p, 11, r);
    const std::vector<double> after = sample_replicate(q, 11, r);
    for (std::size_t i = 0; i < 3; ++i) CHECK(after[i + 1] == doctest::Approx(before[i]).epsilon(1e-12));
    const std::vector<double> x = sample_replicate(ab, 11, r);
    const std::vector<double> y = sample_replicate(ba, 11, r);
    CHECK(x[0] == y[1]);
    CHECK(x[1] == y[0]);
    CHECK(x[0] != x[1]);
  }
  UncertainParameters unnamed = ab;
  unnamed.names.clear();
  CHECK_THROWS_AS(sample_replicate(unnamed, 11, 0), std::logic_error);
}

TEST_CASE("uncertain values reject a count of uniforms that does not match") {
  const UncertainParameters p = three_correlated();
  const std::vector<double> two{0.5, 0.5};
  CHECK(contains(error_text([&] { uncertain_values(p, two); }),
                 "2 uniforms for 3 uncertain parameters"));
  const std::vector<double> mid{0.5, 0.5, 0.5};
  const std::vector<double> v = uncertain_values(p, mid);
  CHECK(v[0] == doctest::Approx(0.3));
  CHECK(v[1] == doctest::Approx(4.0));
  CHECK(v[2] == doctest::Approx(0.0));
}

}  // namespace distributions_test
