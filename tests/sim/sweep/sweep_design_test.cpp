#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "sim/sweep/design.hpp"
#include "tests/sweep_errors.hpp"

using namespace airace;

namespace sweep_design_test {

namespace {

// Stratum of x among n equal strata of [0, 1).
long stratum(double x, std::size_t n) {
  return static_cast<long>(std::floor(x * static_cast<double>(n)));
}

bool each_stratum_once(const DesignMatrix& d, Eigen::Index column) {
  const auto n = static_cast<std::size_t>(d.rows());
  std::vector<int> hits(n, 0);
  for (Eigen::Index r = 0; r < d.rows(); ++r) {
    const long s = stratum(d(r, column), n);
    if (s < 0 || s >= static_cast<long>(n)) return false;
    ++hits[static_cast<std::size_t>(s)];
  }
  for (int h : hits) {
    if (h != 1) return false;
  }
  return true;
}

bool strictly_inside_unit_interval(const DesignMatrix& d) {
  return (d.array() > 0.0).all() && (d.array() < 1.0).all();
}

// Every elementary box [i/2^a, (i+1)/2^a) x [j/2^(m-a), (j+1)/2^(m-a)) holds exactly one of the
// 2^m points in columns c0 and c1: a (0, m, 2)-net, which the first two Sobol dimensions form.
bool is_zero_net(const DesignMatrix& d, Eigen::Index c0, Eigen::Index c1, int m) {
  for (int a = 0; a <= m; ++a) {
    std::set<std::pair<long, long>> boxes;
    for (Eigen::Index r = 0; r < d.rows(); ++r) {
      boxes.insert(
          {stratum(d(r, c0), std::size_t{1} << a), stratum(d(r, c1), std::size_t{1} << (m - a))});
    }
    if (boxes.size() != static_cast<std::size_t>(d.rows())) return false;
  }
  return true;
}

using testing::error_text;
}  // namespace

TEST_CASE("full grid lists every combination once with the last parameter fastest") {
  const DesignMatrix d = full_grid({{1.0, 2.0}, {10.0, 20.0, 30.0}});
  REQUIRE(d.rows() == 6);
  REQUIRE(d.cols() == 2);
  const double expected[6][2] = {{1, 10}, {1, 20}, {1, 30}, {2, 10}, {2, 20}, {2, 30}};
  for (int r = 0; r < 6; ++r) {
    CHECK(d(r, 0) == expected[r][0]);
    CHECK(d(r, 1) == expected[r][1]);
  }
}

TEST_CASE("evenly spaced levels run from 0 to 1 and a single level is the centre") {
  CHECK(evenly_spaced_levels(5) == std::vector<double>{0.0, 0.25, 0.5, 0.75, 1.0});
  CHECK(evenly_spaced_levels(1) == std::vector<double>{0.5});
  const DesignMatrix d =
      full_grid({evenly_spaced_levels(3), evenly_spaced_levels(4), evenly_spaced_levels(2)});
  CHECK(d.rows() == 24);
}

TEST_CASE("full grid rejects missing and repeated and non finite levels together") {
  CHECK(full_grid_problems({}).size() == 1);
  const auto problems = full_grid_problems({{0.1, 0.2, 0.1}, {}, {NAN}});
  REQUIRE(problems.size() == 3);
  CHECK(problems[0].find("parameter 1 of 3: level 3 repeats level 1") != std::string::npos);
  CHECK(problems[1].find("parameter 2 of 3 has no levels") != std::string::npos);
  CHECK(problems[2].find("parameter 3 of 3: level 1 is not a finite number") != std::string::npos);
  const std::string text = error_text([] { full_grid({{0.1, 0.2, 0.1}, {}}); });
  CHECK(text.find("repeats") != std::string::npos);
  CHECK(text.find("no levels") != std::string::npos);
  const std::vector<double> thousand = evenly_spaced_levels(1000);
  CHECK(error_text([&] {
          full_grid({thousand, thousand, thousand});
        }).find("more than") != std::string::npos);
}

TEST_CASE("latin hypercube hits each stratum exactly once in every dimension") {
  for (std::size_t n : {1u, 2u, 7u, 100u, 1000u}) {
    const DesignMatrix d = latin_hypercube(n, 4, 2024);
    REQUIRE(d.rows() == static_cast<Eigen::Index>(n));
    REQUIRE(d.cols() == 4);
    CHECK(strictly_inside_unit_interval(d));
    for (Eigen::Index c = 0; c < d.cols(); ++c) CHECK(each_stratum_once(d, c));
  }
}

TEST_CASE("latin hypercube is the same for a seed and different for another seed") {
  const DesignMatrix a = latin_hypercube(50, 3, 7);
  const DesignMatrix b = latin_hypercube(50, 3, 7);
  const DesignMatrix c = latin_hypercube(50, 3, 8);
  CHECK(a == b);
  CHECK(a != c);
  // The dimensions are permuted independently, not copies of one another.
  CHECK(a.col(0) != a.col(1));
}

TEST_CASE("latin hypercube rejects zero points and zero dimensions") {
  CHECK(error_text([] { latin_hypercube(0, 2, 1); }).find("at least one point; got 0") !=
        std::string::npos);
  CHECK(latin_hypercube_problems(0, 0).size() == 2);
}

TEST_CASE("unscrambled sobol points match the published values of dimensions 1 to 3") {
  // Joe & Kuo's generator, first points after the origin (Gray-code order).
  const double published[8][3] = {{0, 0, 0},
                                  {0.5, 0.5, 0.5},
                                  {0.75, 0.25, 0.25},
                                  {0.25, 0.75, 0.75},
                                  {0.375, 0.375, 0.625},
                                  {0.875, 0.875, 0.125},
                                  {0.625, 0.125, 0.875},
                                  {0.125, 0.625, 0.375}};
  const DesignMatrix d = sobol_points(8, 3, {SobolScramble::none});
  for (int r = 0; r < 8; ++r) {
    for (int c = 0; c < 3; ++c) CHECK(d(r, c) == published[r][c]);
  }
  const DesignMatrix skipped = sobol_points(4, 3, {SobolScramble::none, 0, 4});
  CHECK(skipped == d.bottomRows(4));
}

TEST_CASE("unscrambled sobol points of dimensions 62 to 64 match the reference generator") {
  // SciPy 1.10 qmc.Sobol(scramble=False), which reads the same new-joe-kuo-6.21201 file.
  const DesignMatrix d = sobol_points(4096, 64, {SobolScramble::none});
  CHECK(d(100, 61) == 0.0234375);
  CHECK(d(100, 62) == 0.4609375);
  CHECK(d(100, 63) == 0.6484375);
  CHECK(d(1000, 61) == 0.6025390625);
  CHECK(d(1000, 62) == 0.2587890625);
  CHECK(d(1000, 63) == 0.4462890625);
  CHECK(d(4095, 61) == 0.385009765625);
  CHECK(d(4095, 62) == 0.686767578125);
  CHECK(d(4095, 63) == 0.553466796875);
}

TEST_CASE("sobol coordinates over 2^m points average exactly one half minus half a bin") {
  // The first 2^m points of every dimension are exactly {0, 1, ..., 2^m - 1} / 2^m.
  const int m = 10;
  const DesignMatrix d = sobol_points(std::size_t{1} << m, 64, {SobolScramble::none});
  for (Eigen::Index c = 0; c < d.cols(); ++c) {
    CHECK(d.col(c).mean() == 0.5 - std::ldexp(0.5, -m));
    CHECK(each_stratum_once(d, c));
  }
  CHECK(is_zero_net(d, 0, 1, m));
}

TEST_CASE("scrambled sobol points keep one point per stratum inside the open unit interval") {
  const int m = 9;
  for (SobolScramble scramble : {SobolScramble::owen, SobolScramble::digital_shift}) {
    const DesignMatrix d = sobol_points(std::size_t{1} << m, 12, {scramble, 99});
    CHECK(strictly_inside_unit_interval(d));
    for (Eigen::Index c = 0; c < d.cols(); ++c) CHECK(each_stratum_once(d, c));
    CHECK(is_zero_net(d, 0, 1, m));
    // Scrambling moves the points: no coordinate keeps its unscrambled value.
    const DesignMatrix plain = sobol_points(std::size_t{1} << m, 12, {SobolScramble::none});
    CHECK((d - plain).cwiseAbs().minCoeff() > 0.0);
  }
}

TEST_CASE("owen scrambled sobol points differ from a digital shift at every level") {
  const DesignMatrix owen = sobol_points(256, 2, {SobolScramble::owen, 5});
  const DesignMatrix shift = sobol_points(256, 2, {SobolScramble::digital_shift, 5});
  CHECK(owen != shift);
  // A digital shift XORs every point with one constant, so pairwise XOR distances survive; Owen's
  // nested flips change them. Compare the top 8 bits of every point with those of point 0.
  const auto bits = [](double x) { return static_cast<long>(std::floor(x * 256.0)); };
  const DesignMatrix plain = sobol_points(256, 2, {SobolScramble::none});
  int shift_changes = 0;
  int owen_changes = 0;
  for (Eigen::Index r = 1; r < 256; ++r) {
    const long plain_xor = bits(plain(r, 0)) ^ bits(plain(0, 0));
    shift_changes += (bits(shift(r, 0)) ^ bits(shift(0, 0))) != plain_xor;
    owen_changes += (bits(owen(r, 0)) ^ bits(owen(0, 0))) != plain_xor;
  }
  CHECK(shift_changes == 0);
  CHECK(owen_changes > 0);
}

TEST_CASE("scrambled sobol points depend on the seed and not on the design size") {
  const DesignMatrix small = sobol_points(8, 4, {SobolScramble::owen, 3});
  const DesignMatrix large = sobol_points(4096, 4, {SobolScramble::owen, 3});
  CHECK(small == large.topRows(8));
  CHECK(sobol_points(8, 4, {SobolScramble::owen, 3, 5}) == large.middleRows(5, 8));
  CHECK(small != sobol_points(8, 4, {SobolScramble::owen, 4}));
  CHECK(sobol_points(8, 4, {SobolScramble::digital_shift, 3}) ==
        sobol_points(4096, 4, {SobolScramble::digital_shift, 3}).topRows(8));
}

TEST_CASE("sobol design rejects too few points and more dimensions than the table") {
  CHECK(error_text([] { sobol_points(1, 2); }).find("at least 2 points; got 1") !=
        std::string::npos);
  CHECK(error_text([] { sobol_points(16, 65); }).find("65 dimensions is more than the 64") !=
        std::string::npos);
  CHECK(sobol_problems(0, 0).size() == 2);
  CHECK(sobol_problems(16, 2, {SobolScramble::none, 0, kSobolMaxIndex - 8}).size() == 1);
  CHECK(sobol_problems(16, 64).empty());
}

TEST_CASE("saltelli design has N times k plus 2 rows in the documented block order") {
  const std::size_t n = 64;
  const std::size_t k = 3;
  const SaltelliDesign s = saltelli_design(n, k, {SobolScramble::owen, 11});
  REQUIRE(s.runs.rows() == static_cast<Eigen::Index>(n * (k + 2)));
  REQUIRE(s.runs.cols() == static_cast<Eigen::Index>(k));
  CHECK(saltelli_run_count(n, k) == n * (k + 2));
  // A and B are the first and last k columns of a 2k-dimensional Sobol design.
  const DesignMatrix base = sobol_points(n, 2 * k, {SobolScramble::owen, 11});
  const auto ni = static_cast<Eigen::Index>(n);
  const auto ki = static_cast<Eigen::Index>(k);
  CHECK(s.runs.topRows(ni) == base.leftCols(ki));
  CHECK(s.runs.middleRows(ni, ni) == base.rightCols(ki));
  CHECK(saltelli_row_a(n, 5) == 5);
  CHECK(saltelli_row_b(n, 5) == 69);
  CHECK(saltelli_row_ab(n, 2, 5) == 4 * 64 + 5);
}

TEST_CASE("saltelli A_B matrices equal A except column i taken from B") {
  const std::size_t n = 32;
  const std::size_t k = 4;
  const SaltelliDesign s = saltelli_design(n, k, {SobolScramble::digital_shift, 2});
  for (std::size_t i = 0; i < k; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      const auto ab = static_cast<Eigen::Index>(saltelli_row_ab(n, i, j));
      const auto a = static_cast<Eigen::Index>(saltelli_row_a(n, j));
      const auto b = static_cast<Eigen::Index>(saltelli_row_b(n, j));
      for (std::size_t c = 0; c < k; ++c) {
        const auto ci = static_cast<Eigen::Index>(c);
        CHECK(s.runs(ab, ci) == (c == i ? s.runs(b, ci) : s.runs(a, ci)));
      }
    }
  }
  // A and B differ in every column, or the A_B blocks would test nothing.
  CHECK((s.runs.topRows(32) - s.runs.middleRows(32, 32)).cwiseAbs().minCoeff() > 0.0);
}

TEST_CASE("second order saltelli design appends B_A blocks after the first order design") {
  const std::size_t n = 16;
  const std::size_t k = 3;
  const SaltelliDesign first = saltelli_design(n, k, {SobolScramble::owen, 5});
  const SaltelliDesign s = saltelli_design(n, k, {SobolScramble::owen, 5}, true);
  CHECK(s.second_order);
  REQUIRE(s.runs.rows() == static_cast<Eigen::Index>(n * (2 * k + 2)));
  CHECK(saltelli_run_count(n, k, true) == n * (2 * k + 2));
  CHECK(saltelli_row_ba(n, k, 1, 3) == (2 + 3 + 1) * 16 + 3);
  // Its first N(k + 2) rows are the first-order design.
  CHECK(s.runs.topRows(first.runs.rows()) == first.runs);
  for (std::size_t i = 0; i < k; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      const auto ba = static_cast<Eigen::Index>(saltelli_row_ba(n, k, i, j));
      const auto a = static_cast<Eigen::Index>(saltelli_row_a(n, j));
      const auto b = static_cast<Eigen::Index>(saltelli_row_b(n, j));
      for (std::size_t c = 0; c < k; ++c) {
        const auto ci = static_cast<Eigen::Index>(c);
        CHECK(s.runs(ba, ci) == (c == i ? s.runs(a, ci) : s.runs(b, ci)));
      }
    }
  }
  CHECK(saltelli_problems(3'000'000, 1).empty());
  CHECK(error_text([] { saltelli_design(3'000'000, 1, {}, true); }).find("(second order)") !=
        std::string::npos);
}

TEST_CASE("saltelli design rejects too few base points and too many parameters") {
  CHECK(error_text([] { saltelli_design(1, 1); }).find("at least 2 base points") !=
        std::string::npos);
  CHECK(error_text([] {
          saltelli_design(6, 4);
        }).find("at least 8 base points (2 per parameter); got 6") != std::string::npos);
  CHECK(error_text([] { saltelli_design(1024, 33); }).find("at most 32 parameters") !=
        std::string::npos);
  CHECK(saltelli_problems(0, 0).size() == 2);
  CHECK(saltelli_problems(64, 32).empty());
}

TEST_CASE("every design is bit identical when made twice") {
  CHECK(latin_hypercube(300, 5, 1) == latin_hypercube(300, 5, 1));
  CHECK(sobol_points(300, 5, {SobolScramble::owen, 1}) ==
        sobol_points(300, 5, {SobolScramble::owen, 1}));
  CHECK(saltelli_design(128, 3).runs == saltelli_design(128, 3).runs);
}

}  // namespace sweep_design_test
