#include "sim/core/random.hpp"

#include <doctest/doctest.h>
#include <oneapi/tbb/global_control.h>

#include <cmath>
#include <vector>

#include "sim/core/parallel.hpp"

using namespace airace;

namespace random_test {

namespace {
std::vector<double> draw_all(std::size_t n, int threads) {
  oneapi::tbb::global_control cap(oneapi::tbb::global_control::max_allowed_parallelism,
                                  static_cast<std::size_t>(threads));
  std::vector<double> out(n);
  const StreamKey key{42, 3, Stream::test};
  parallel_for_each_index(n, 1, [&](std::size_t i) {
    RandomStream rng(key, 17, i);
    out[i] = rng.normal() + rng.uniform();
  });
  return out;
}
}  // namespace

TEST_CASE("random draws do not depend on the thread count") {
  const auto one = draw_all(20000, 1);
  const auto two = draw_all(20000, 2);
  const auto four = draw_all(20000, 4);
  CHECK(one == two);
  CHECK(one == four);
}

TEST_CASE("streams differ by seed and replicate and purpose and step and entity") {
  auto first = [](StreamKey k, uint64_t step, uint64_t entity) {
    return RandomStream(k, step, entity).next_u64();
  };
  const StreamKey base{1, 0, Stream::test};
  const uint64_t x = first(base, 0, 0);
  CHECK(first({2, 0, Stream::test}, 0, 0) != x);
  CHECK(first({1, 1, Stream::test}, 0, 0) != x);
  CHECK(first({1, 0, Stream{1}}, 0, 0) != x);
  CHECK(first(base, 1, 0) != x);
  CHECK(first(base, 0, 1) != x);
  CHECK(first(base, 0, 0) == x);
}

TEST_CASE("uniform draws stay inside the open unit interval with the right moments") {
  RandomStream rng({9, 0, Stream::test}, 0, 0);
  double sum = 0.0;
  double sum_sq = 0.0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double u = rng.uniform();
    REQUIRE(u > 0.0);
    REQUIRE(u < 1.0);
    sum += u;
    sum_sq += u * u;
  }
  CHECK(sum / n == doctest::Approx(0.5).epsilon(0.01));
  CHECK(sum_sq / n - (sum / n) * (sum / n) == doctest::Approx(1.0 / 12).epsilon(0.02));
}

TEST_CASE("normal draws have mean zero and unit variance") {
  RandomStream rng({11, 2, Stream::test}, 5, 3);
  double sum = 0.0;
  double sum_sq = 0.0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double z = rng.normal();
    sum += z;
    sum_sq += z * z;
  }
  CHECK(std::fabs(sum / n) < 0.01);
  CHECK(sum_sq / n == doctest::Approx(1.0).epsilon(0.01));
}

}  // namespace random_test
