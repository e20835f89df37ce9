#include "agents/indicators.hpp"

#include <doctest/doctest.h>

#include <cmath>

using namespace airace;

namespace indicators_test {

namespace {
// A leader whose capability rises 0.125 per month (1.5 per year) from 25.0 at t = 0
// (binary fractions, so that equality tests are exact).
CapabilityHistory linear_leader(int months) {
  CapabilityHistory h;
  for (int m = 0; m <= months; ++m) h.add(m / 12.0, 25.0 + 0.125 * m);
  return h;
}
}  // namespace

TEST_CASE("the gap is the time since the leader stood where the follower stands") {
  const CapabilityHistory us = linear_leader(24);
  CapabilityHistory cn;
  cn.add(2.0, 26.0);  // the US reached 26.0 at month 8
  CHECK(us_cn_gap_months(us, cn, 2.0, 1.5) == doctest::Approx(16.0));
  cn.add(2.0, 26.0625);  // between recorded months: linear interpolation, month 8.5
  CHECK(us_cn_gap_months(us, cn, 2.0, 1.5) == doctest::Approx(15.5));
}

TEST_CASE("a follower below the start of history is extrapolated at the frontier rate") {
  const CapabilityHistory us = linear_leader(12);
  CapabilityHistory cn;
  cn.add(1.0, 24.25);  // 0.75 below the US start: half a year at 1.5 per year
  CHECK(us_cn_gap_months(us, cn, 1.0, 1.5) == doctest::Approx(12.0 + 6.0));
}

TEST_CASE("the gap is negative when China leads and zero when level") {
  const CapabilityHistory cn = linear_leader(12);
  CapabilityHistory us;
  us.add(1.0, 25.5);  // China stood there at month 4
  CHECK(us_cn_gap_months(us, cn, 1.0, 1.5) == doctest::Approx(-8.0));
  CapabilityHistory level;
  level.add(1.0, 26.5);
  CHECK(us_cn_gap_months(cn, level, 1.0, 1.5) == doctest::Approx(0.0));
}

TEST_CASE("the gap is undefined without both countries") {
  CHECK(std::isnan(us_cn_gap_months(linear_leader(3), {}, 0.25, 1.5)));
}

}  // namespace indicators_test
