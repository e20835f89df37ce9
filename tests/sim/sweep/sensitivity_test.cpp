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
  return {{v1 / v, v2 / v, 0.0}, {(v1 + v13) / v, v2 / v, v13 / v}};
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
         x.outcome_variance == y.outcome_variance;
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

}  // namespace sensitivity_test
