#include "sim/sweep/sensitivity.hpp"

#include <doctest/doctest.h>
#include <oneapi/tbb/global_control.h>

#include <cmath>
#include <functional>
#include <numbers>
#include <string>
#include <vector>

#include "sim/sweep/design.hpp"
#include "tests/sweep_errors.hpp"

using namespace airace;

namespace sensitivity_test {

namespace {

using testing::contains;
using testing::error_text;

// Runs f over every row of a Saltelli design.
std::vector<double> evaluate(const SaltelliDesign& d,
                             const std::function<double(const Eigen::RowVectorXd&)>& f) {
  std::vector<double> y(static_cast<std::size_t>(d.runs.rows()));
  for (Eigen::Index r = 0; r < d.runs.rows(); ++r)
    y[static_cast<std::size_t>(r)] = f(d.runs.row(r));
  return y;
}

// Ishigami & Homma (1990) with inputs uniform on [-pi, pi]; analytic variances from Sobol' &
// Levitan (1999): V1 = (1 + b pi^4 / 5)^2 / 2, V2 = a^2 / 8, V13 = b^2 pi^8 (1/18 - 1/50).
constexpr double kIshigamiA = 7.0;
constexpr double kIshigamiB = 0.1;

double ishigami(const Eigen::RowVectorXd& u) {
  const double pi = std::numbers::pi;
  const double x1 = -pi + 2.0 * pi * u(0);
  const double x2 = -pi + 2.0 * pi * u(1);
  const double x3 = -pi + 2.0 * pi * u(2);
  const double s2 = std::sin(x2);
  return std::sin(x1) + kIshigamiA * s2 * s2 + kIshigamiB * std::pow(x3, 4) * std::sin(x1);
}

struct Analytic {
  double first[3];
  double total[3];
  double second[3];  // S_12, S_13, S_23
};

Analytic ishigami_indices() {
  const double pi4 = std::pow(std::numbers::pi, 4);
  const double pi8 = pi4 * pi4;
  const double a = kIshigamiA;
  const double b = kIshigamiB;
  const double v1 = 0.5 * std::pow(1.0 + b * pi4 / 5.0, 2);
  const double v2 = a * a / 8.0;
  const double v13 = b * b * pi8 * (1.0 / 18.0 - 1.0 / 50.0);
  const double v = v1 + v2 + v13;
  return {{v1 / v, v2 / v, 0.0}, {(v1 + v13) / v, v2 / v, v13 / v}, {0.0, v13 / v, 0.0}};
}

// Runs f over every row of a Morris design.
std::vector<double> evaluate(const MorrisDesign& d,
                             const std::function<double(const Eigen::RowVectorXd&)>& f) {
  std::vector<double> y(static_cast<std::size_t>(d.runs.rows()));
  for (Eigen::Index r = 0; r < d.runs.rows(); ++r)
    y[static_cast<std::size_t>(r)] = f(d.runs.row(r));
  return y;
}

// Sobol's G function, g(u) = prod_i (|4 u_i - 2| + a_i) / (1 + a_i): the smaller a_i, the more
// parameter i matters (a_i = 0 important, 99 almost inert).
double sobol_g(const Eigen::RowVectorXd& u, const std::vector<double>& a) {
  double g = 1.0;
  for (std::size_t i = 0; i < a.size(); ++i)
    g *= (std::abs(4.0 * u(static_cast<Eigen::Index>(i)) - 2.0) + a[i]) / (1.0 + a[i]);
  return g;
}

bool same_bits(const SobolIndices& x, const SobolIndices& y) {
  auto same = [](const std::vector<SensitivityIndex>& a, const std::vector<SensitivityIndex>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (a[i].estimate != b[i].estimate || a[i].low != b[i].low || a[i].high != b[i].high) {
        return false;
      }
    }
    return true;
  };
  return same(x.first_order, y.first_order) && same(x.total, y.total) &&
         same(x.second_order, y.second_order) && x.outcome_variance == y.outcome_variance;
}

bool same_bits(const MorrisIndices& x, const MorrisIndices& y) {
  if (x.mu_star.size() != y.mu_star.size()) return false;
  for (std::size_t i = 0; i < x.mu_star.size(); ++i)
    if (x.mu_star[i].estimate != y.mu_star[i].estimate || x.mu_star[i].low != y.mu_star[i].low ||
        x.mu_star[i].high != y.mu_star[i].high || x.mu[i] != y.mu[i] || x.sigma[i] != y.sigma[i])
      return false;
  return true;
}

}  // namespace

TEST_CASE("ishigami analytic indices are the published ones") {
  const Analytic truth = ishigami_indices();
  CHECK(truth.first[0] == doctest::Approx(0.3139).epsilon(1e-3));
  CHECK(truth.first[1] == doctest::Approx(0.4424).epsilon(1e-3));
  CHECK(truth.total[0] == doctest::Approx(0.5576).epsilon(1e-3));
  CHECK(truth.total[2] == doctest::Approx(0.2437).epsilon(1e-3));
}

TEST_CASE("ishigami sobol indices come out near the analytic ones and inside their intervals") {
  const std::size_t n = std::size_t{1} << 13;
  const SaltelliDesign design = saltelli_design(n, 3, {SobolScramble::owen, 2024});
  const std::vector<double> y = evaluate(design, ishigami);
  const SobolIndices s = sobol_indices(y, n, 3, {300, 0.95, 7});
  const Analytic truth = ishigami_indices();
  REQUIRE(s.first_order.size() == 3);
  REQUIRE(s.total.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CAPTURE(i);
    const SensitivityIndex& first = s.first_order[i];
    const SensitivityIndex& total = s.total[i];
    CHECK(std::abs(first.estimate - truth.first[i]) < 0.05);
    CHECK(std::abs(total.estimate - truth.total[i]) < 0.05);
    CHECK(first.low <= first.estimate);
    CHECK(first.estimate <= first.high);
    CHECK(total.low <= total.estimate);
    CHECK(total.estimate <= total.high);
    // The analytic value lies inside the 95% bootstrap interval.
    CHECK(first.low <= truth.first[i]);
    CHECK(truth.first[i] <= first.high);
    CHECK(total.low <= truth.total[i]);
    CHECK(truth.total[i] <= total.high);
    // The interval is informative: narrower than the tolerance above.
    CHECK(first.high - first.low < 0.1);
    CHECK(total.high - total.low < 0.1);
  }
}

TEST_CASE("linear additive function has first order and total indices a_i^2 over the sum") {
  const double a[4] = {1.0, 2.0, 3.0, 0.0};
  const double sum_sq = 14.0;
  const std::size_t n = 4096;
  const SaltelliDesign design = saltelli_design(n, 4, {SobolScramble::owen, 5});
  const std::vector<double> y = evaluate(design, [&](const Eigen::RowVectorXd& u) {
    return a[0] * u(0) + a[1] * u(1) + a[2] * u(2) + a[3] * u(3);
  });
  const SobolIndices s = sobol_indices(y, n, 4, {200, 0.9, 1});
  CHECK(s.outcome_variance == doctest::Approx(sum_sq / 12.0).epsilon(0.01));
  for (std::size_t i = 0; i < 4; ++i) {
    CAPTURE(i);
    const double truth = a[i] * a[i] / sum_sq;
    CHECK(std::abs(s.first_order[i].estimate - truth) < 0.02);
    CHECK(std::abs(s.total[i].estimate - truth) < 0.02);
  }
  // A parameter the function ignores changes no run: exactly zero, with a zero-width interval.
  CHECK(s.first_order[3].estimate == 0.0);
  CHECK(s.total[3].estimate == 0.0);
  CHECK(s.total[3].low == 0.0);
  CHECK(s.total[3].high == 0.0);
}

TEST_CASE("too few base rows are flagged with the number that would do and enough are not") {
  const std::vector<std::string> names = {"x1", "x2", "x3"};
  // N = 8 base rows of a 3-parameter design: 40 runs.
  {
    const std::size_t n = 8;
    const SaltelliDesign design = saltelli_design(n, 3, {SobolScramble::owen, 2024});
    const std::vector<double> y = evaluate(design, ishigami);
    const SobolIndices s = sobol_indices(y, n, 3, {300, 0.95, 7});
    const SobolDiagnosis d = diagnose_sobol(s, n, names);
    REQUIRE(!d.warnings.empty());
    CHECK(d.suggested_base_rows > n);
    std::string all;
    for (const std::string& w : d.warnings) all += w + "\n";
    CHECK(contains(all, "wide"));
  }
  // An index outside [-0.05, 1.05] or a first-order index above the total is named.
  {
    SobolIndices s;
    s.first_order = {{1.934, -4.891, 10.558}, {0.2, 0.1, 0.3}};
    s.total = {{0.9, 0.5, 1.2}, {0.5, 0.4, 0.6}};
    const std::vector<std::string> two = {"us_government.enforcement", "other"};
    const SobolDiagnosis d = diagnose_sobol(s, 8, two);
    std::string all;
    for (const std::string& w : d.warnings) all += w + "\n";
    CHECK(contains(all, "us_government.enforcement"));
    CHECK(contains(all, "outside [-0.05, 1.05]"));
    CHECK(contains(all, "above its total index"));
    CHECK(!contains(all, "other: first"));
  }
  // At the documented sample size (N = 8192 base rows) Ishigami's indices raise no warning.
  {
    const std::size_t n = std::size_t{1} << 13;
    const SaltelliDesign design = saltelli_design(n, 3, {SobolScramble::owen, 2024});
    const std::vector<double> y = evaluate(design, ishigami);
    const SobolIndices s = sobol_indices(y, n, 3, {300, 0.95, 7});
    const SobolDiagnosis d = diagnose_sobol(s, n, names);
    CHECK(d.warnings.empty());
    CHECK(d.suggested_base_rows <= n);
  }
}

TEST_CASE("a wider confidence level gives a wider bootstrap interval") {
  const std::size_t n = 512;
  const SaltelliDesign design = saltelli_design(n, 3, {SobolScramble::owen, 9});
  const std::vector<double> y = evaluate(design, ishigami);
  const SobolIndices narrow = sobol_indices(y, n, 3, {400, 0.5, 3});
  const SobolIndices wide = sobol_indices(y, n, 3, {400, 0.99, 3});
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(wide.total[i].high - wide.total[i].low > narrow.total[i].high - narrow.total[i].low);
    CHECK(wide.first_order[i].estimate == narrow.first_order[i].estimate);
  }
}

TEST_CASE("sobol indices are bit identical for the same call and any thread count") {
  const std::size_t n = 1024;
  const SaltelliDesign design = saltelli_design(n, 3, {SobolScramble::owen, 4});
  const std::vector<double> y = evaluate(design, ishigami);
  auto with_threads = [&](int threads) {
    oneapi::tbb::global_control cap(oneapi::tbb::global_control::max_allowed_parallelism,
                                    static_cast<std::size_t>(threads));
    return sobol_indices(y, n, 3, {200, 0.95, 11});
  };
  const SobolIndices one = with_threads(1);
  CHECK(same_bits(one, with_threads(1)));
  CHECK(same_bits(one, with_threads(4)));
  // Another bootstrap seed moves the intervals but not the estimates.
  const SobolIndices other = sobol_indices(y, n, 3, {200, 0.95, 12});
  CHECK(other.first_order[0].estimate == one.first_order[0].estimate);
  CHECK(other.first_order[0].low != one.first_order[0].low);
}

TEST_CASE("sobol indices reject outcomes that do not fit the design or cannot be analysed") {
  const std::vector<double> short_y(10, 1.0);
  CHECK(
      contains(error_text([&] { sobol_indices(short_y, 4, 2); }), "has 16 runs; got 10 outcomes"));
  std::vector<double> y(16);
  for (std::size_t r = 0; r < y.size(); ++r) y[r] = static_cast<double>(r % 5);
  y[7] = std::nan("");
  CHECK(contains(error_text([&] { sobol_indices(y, 4, 2); }),
                 "the outcome of run 7 is nan; every run must succeed"));
  const std::vector<double> constant(16, 2.5);
  CHECK(contains(error_text([&] { sobol_indices(constant, 4, 2); }), "variance 0"));
  y[7] = 1.0;
  const std::string options = error_text([&] { sobol_indices(y, 4, 2, {0, 1.5, 0}); });
  CHECK(contains(options, "at least 1 resample; got 0"));
  CHECK(contains(options, "strictly between 0 and 1; got 1.5"));
}

TEST_CASE("sobol pairs are numbered row by row above the diagonal") {
  CHECK(sobol_pair(3, 0, 1) == 0);
  CHECK(sobol_pair(3, 0, 2) == 1);
  CHECK(sobol_pair(3, 1, 2) == 2);
  CHECK(sobol_pair(5, 0, 4) == 3);
  CHECK(sobol_pair(5, 1, 2) == 4);
  CHECK(sobol_pair(5, 3, 4) == 9);
}

// Documented in docs/sweeps.md: at N = 2^14 base rows (131,072 runs for 3 parameters) every
// second-order index of Ishigami lies within 0.05 of its analytic value.
TEST_CASE("ishigami second order indices come out near S_13 = 0.2437 and S_12 = S_23 = 0") {
  const std::size_t n = std::size_t{1} << 14;
  const SaltelliDesign design = saltelli_design(n, 3, {SobolScramble::owen, 2024}, true);
  const std::vector<double> y = evaluate(design, ishigami);
  const SobolIndices s = sobol_indices(y, n, 3, {200, 0.95, 7}, true);
  const Analytic truth = ishigami_indices();
  CHECK(truth.second[1] == doctest::Approx(0.2437).epsilon(1e-3));
  REQUIRE(s.second_order.size() == 3);
  for (std::size_t p = 0; p < 3; ++p) {
    CAPTURE(p);
    const SensitivityIndex& second = s.second_order[p];
    CHECK(std::abs(second.estimate - truth.second[p]) < 0.05);
    CHECK(second.low <= second.estimate);
    CHECK(second.estimate <= second.high);
    CHECK(second.low <= truth.second[p]);
    CHECK(truth.second[p] <= second.high);
  }
  // The first-order and total indices are those of the first-order design's rows.
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(std::abs(s.first_order[i].estimate - truth.first[i]) < 0.05);
    CHECK(std::abs(s.total[i].estimate - truth.total[i]) < 0.05);
  }
  const std::vector<double> prefix(
      y.begin(), y.begin() + static_cast<std::ptrdiff_t>(saltelli_run_count(n, 3)));
  const SobolIndices first = sobol_indices(prefix, n, 3, {200, 0.95, 7});
  CHECK(first.second_order.empty());
  CHECK(first.first_order[2].estimate == s.first_order[2].estimate);
  CHECK(first.total[0].high == s.total[0].high);
}

TEST_CASE("a pure interaction x1 x2 plus x3 has S_12 = 1/4 and no other second order index") {
  // x_i uniform on [-1, 1]: V(x1 x2) = 1/9, V(x3) = 1/3, so S_3 = 3/4, S_12 = 1/4, S_1 = S_2 = 0.
  const std::size_t n = 8192;
  const SaltelliDesign design = saltelli_design(n, 3, {SobolScramble::owen, 17}, true);
  const std::vector<double> y = evaluate(design, [](const Eigen::RowVectorXd& u) {
    const Eigen::RowVectorXd x = (2.0 * u.array() - 1.0).matrix();
    return x(0) * x(1) + x(2);
  });
  const SobolIndices s = sobol_indices(y, n, 3, {200, 0.95, 3}, true);
  CHECK(std::abs(s.second_order[sobol_pair(3, 0, 1)].estimate - 0.25) < 0.03);
  CHECK(std::abs(s.second_order[sobol_pair(3, 0, 2)].estimate) < 0.03);
  CHECK(std::abs(s.second_order[sobol_pair(3, 1, 2)].estimate) < 0.03);
  CHECK(std::abs(s.first_order[0].estimate) < 0.03);
  CHECK(std::abs(s.first_order[2].estimate - 0.75) < 0.03);
  CHECK(std::abs(s.total[0].estimate - 0.25) < 0.03);
}

TEST_CASE("second order indices are bit identical for any thread count") {
  const std::size_t n = 512;
  const SaltelliDesign design = saltelli_design(n, 3, {SobolScramble::owen, 4}, true);
  const std::vector<double> y = evaluate(design, ishigami);
  auto with_threads = [&](int threads) {
    oneapi::tbb::global_control cap(oneapi::tbb::global_control::max_allowed_parallelism,
                                    static_cast<std::size_t>(threads));
    return sobol_indices(y, n, 3, {200, 0.95, 11}, true);
  };
  const SobolIndices one = with_threads(1);
  CHECK(same_bits(one, with_threads(4)));
}

TEST_CASE("second order indices need the outcomes of the whole second order design") {
  std::vector<double> y(4 * 4);  // a first-order design of N = 4, k = 2
  for (std::size_t r = 0; r < y.size(); ++r) y[r] = static_cast<double>(r % 5);
  CHECK(contains(error_text([&] { sobol_indices(y, 4, 2, {}, true); }),
                 "a second-order Saltelli design with 4 base rows and 2 parameters has 24 runs; "
                 "got 16 outcomes"));
}

TEST_CASE("morris effects of a linear function are its slopes times the ranges exactly") {
  // f = sum a_i x_i with x_i = lo_i + (hi_i - lo_i) u_i: every EE_i = a_i (hi_i - lo_i).
  const double a[4] = {3.0, -2.0, 0.5, 0.0};
  const double lo[4] = {0.0, 10.0, -1.0, 2.0};
  const double hi[4] = {1.0, 14.0, 7.0, 3.0};
  const MorrisDesign design = morris_design(20, 4, 4, 8);
  const std::vector<double> y = evaluate(design, [&](const Eigen::RowVectorXd& u) {
    double f = 0.0;
    for (int i = 0; i < 4; ++i) f += a[i] * (lo[i] + (hi[i] - lo[i]) * u(i));
    return f;
  });
  const MorrisIndices m = morris_indices(y, design, {200, 0.95, 1});
  REQUIRE(m.mu_star.size() == 4);
  for (std::size_t i = 0; i < 4; ++i) {
    CAPTURE(i);
    const double ee = a[i] * (hi[i] - lo[i]);
    CHECK(m.mu_star[i].estimate == doctest::Approx(std::abs(ee)).epsilon(1e-12));
    CHECK(m.mu[i] == doctest::Approx(ee).epsilon(1e-12));
    CHECK(m.sigma[i] == doctest::Approx(0.0).epsilon(1e-9));
    CHECK(m.mu_star[i].low == doctest::Approx(std::abs(ee)).epsilon(1e-12));
    CHECK(m.mu_star[i].high == doctest::Approx(std::abs(ee)).epsilon(1e-12));
  }
  // The inert parameter: exactly zero.
  CHECK(m.mu_star[3].estimate == 0.0);
  CHECK(m.sigma[3] == 0.0);
}

TEST_CASE("morris trajectories move each parameter once by delta on the grid") {
  const std::size_t k = 5;
  const std::size_t p = 6;
  const MorrisDesign d = morris_design(30, k, p, 3);
  REQUIRE(static_cast<std::size_t>(d.runs.rows()) == morris_run_count(30, k));
  const double delta = morris_delta(p);
  CHECK(delta == doctest::Approx(0.6));
  std::vector<std::size_t> visits(p, 0);
  for (std::size_t t = 0; t < 30; ++t) {
    std::vector<bool> seen(k, false);
    for (std::size_t m = 1; m <= k; ++m) {
      const std::size_t i = d.moved[t * k + m - 1];
      REQUIRE(i < k);
      CHECK(!seen[i]);
      seen[i] = true;
      for (std::size_t c = 0; c < k; ++c) {
        const double before = d.runs(static_cast<Eigen::Index>(morris_row(k, t, m - 1)),
                                     static_cast<Eigen::Index>(c));
        const double after =
            d.runs(static_cast<Eigen::Index>(morris_row(k, t, m)), static_cast<Eigen::Index>(c));
        if (c == i)
          CHECK(std::abs(after - before) == doctest::Approx(delta));
        else
          CHECK(after == before);
      }
    }
    for (std::size_t c = 0; c < k; ++c) {
      const double u =
          d.runs(static_cast<Eigen::Index>(morris_row(k, t, 0)), static_cast<Eigen::Index>(c));
      const double level = u * static_cast<double>(p - 1);
      CHECK(level == std::round(level));
      CHECK(u >= 0.0);
      CHECK(u <= 1.0);
      ++visits[static_cast<std::size_t>(std::round(level))];
    }
  }
  // Starting points use every level.
  for (std::size_t l = 0; l < p; ++l) CHECK(visits[l] > 0);
}

TEST_CASE("morris screening of sobol's g function ranks parameters by their a_i") {
  // a_i from Saltelli et al. (2008), Global Sensitivity Analysis: The Primer, 3.6: the smaller
  // a_i, the larger the effect; a_i = 99 is nearly inert.
  const std::vector<double> a = {0.0, 1.0, 4.5, 9.0, 99.0, 99.0, 99.0, 99.0};
  const MorrisDesign design = morris_design(100, 8, 4, 21);
  const std::vector<double> y =
      evaluate(design, [&](const Eigen::RowVectorXd& u) { return sobol_g(u, a); });
  const MorrisIndices m = morris_indices(y, design, {200, 0.95, 2});
  for (std::size_t i = 0; i + 1 < 4; ++i) {
    CAPTURE(i);
    CHECK(m.mu_star[i].estimate > m.mu_star[i + 1].estimate);
    // The intervals separate them.
    CHECK(m.mu_star[i].low > m.mu_star[i + 1].high);
  }
  // Parameter i's factor varies over [a_i / (1 + a_i), (2 + a_i) / (1 + a_i)]: a range of
  // 2 / (1 + a_i), so a_i = 99 moves g about a tenth as much as a_i = 9.
  for (std::size_t i = 4; i < 8; ++i) {
    CAPTURE(i);
    CHECK(m.mu_star[i].high < m.mu_star[3].low);
    CHECK(m.mu_star[i].estimate < 0.2 * m.mu_star[3].estimate);
  }
}

TEST_CASE("morris designs and effects are bit identical for a seed and any thread count") {
  const MorrisDesign d1 = morris_design(40, 6, 4, 5);
  const MorrisDesign d2 = morris_design(40, 6, 4, 5);
  CHECK(d1.runs == d2.runs);
  CHECK(d1.moved == d2.moved);
  CHECK(morris_design(40, 6, 4, 6).runs != d1.runs);
  // Trajectory t depends on the seed and t alone: a longer design begins with the same ones.
  CHECK(morris_design(50, 6, 4, 5).runs.topRows(d1.runs.rows()) == d1.runs);
  const std::vector<double> a = {0.0, 1.0, 4.5, 9.0, 99.0, 99.0};
  const std::vector<double> y =
      evaluate(d1, [&](const Eigen::RowVectorXd& u) { return sobol_g(u, a); });
  auto with_threads = [&](int threads) {
    oneapi::tbb::global_control cap(oneapi::tbb::global_control::max_allowed_parallelism,
                                    static_cast<std::size_t>(threads));
    return morris_indices(y, d1, {300, 0.95, 9});
  };
  const MorrisIndices one = with_threads(1);
  CHECK(same_bits(one, with_threads(4)));
}

TEST_CASE("morris rejects odd levels and one trajectory and outcomes that do not fit") {
  CHECK(contains(error_text([] { morris_design(10, 3, 5, 1); }), "even number of levels"));
  CHECK(contains(error_text([] { morris_design(1, 3, 4, 1); }), "at least 2 trajectories"));
  CHECK(contains(error_text([] { morris_design(4, 0, 4, 1); }), "at least one parameter"));
  const MorrisDesign d = morris_design(4, 3, 4, 1);
  const std::vector<double> short_y(10, 1.0);
  CHECK(contains(error_text([&] { morris_indices(short_y, d); }), "has 16 runs; got 10 outcomes"));
  std::vector<double> y(16, 1.0);
  y[3] = std::nan("");
  CHECK(contains(error_text([&] { morris_indices(y, d); }), "the outcome of run 3 is nan"));
}

}  // namespace sensitivity_test
