#include "agents/labs.hpp"

#include <doctest/doctest.h>

#include <cmath>

#include "sim/scenario.hpp"

using namespace airace;

namespace {
const std::string kSmall = std::string(AIRACE_SOURCE_DIR) + "/tests/data/small.yaml";

Scenario quiet_small(std::vector<std::string> more = {}) {
  more.push_back("supply_model.demand_noise_sigma=0");
  more.push_back("lab_model.efficiency_noise_sigma=0");
  return load_scenario(kSmall, more);
}

Tick tick_between(Date from, Date to, std::size_t index = 1) {
  return {to, from, index, years_between(from, to)};
}

const StreamKey kKey{1, 0, Stream::test};
}  // namespace

TEST_CASE("capability is log10 of effective training compute and rises with compute") {
  const LabModelParams p;
  const double small = effective_training_compute_flop(1000, 1.0, 0.3, p);
  const double big = effective_training_compute_flop(10000, 1.0, 0.3, p);
  CHECK(big == doctest::Approx(10 * small));
  CHECK(capability_from_compute(big) - capability_from_compute(small) == doctest::Approx(1.0));
  // 989 TFLOP/s x 0.4 MFU x 0.3 share x 90 days for 1000 H100e.
  CHECK(small == doctest::Approx(1000 * 989e12 * 0.4 * 0.3 * 90 * 86400));
  // Doubling algorithmic efficiency is worth doubling compute.
  CHECK(effective_training_compute_flop(1000, 2.0, 0.3, p) == doctest::Approx(2 * small));
}

TEST_CASE("efficiency grows at the configured rate and capability never falls") {
  const Scenario s = quiet_small();
  const LabsSetup& setup = s.labs_setup;
  std::vector<double> compute = {10000.0, 2000.0};
  LabState state = initial_lab_state(setup, compute);
  LabState scratch;
  const double c0 = state.capability[0];
  Date d = Date::from_ymd(2022, 1, 1);
  for (std::size_t m = 1; m <= 24; ++m) {
    const Tick t = tick_between(d, d.plus_months(1), m);
    compute[0] *= std::exp(-2.0 / 12.0);  // the fleet wears out fast
    const double before = state.capability[0];
    step_lab_research(setup, state, scratch, compute, t, kKey);
    std::swap(state, scratch);
    CHECK(state.capability[0] >= before);  // a running maximum
    d = d.plus_months(1);
  }
  const double years = years_between(Date::from_ymd(2022, 1, 1), d);
  CHECK(state.efficiency[0] == doctest::Approx(std::pow(2.8, years)));
  CHECK(state.efficiency[1] == doctest::Approx(std::pow(3.5, years)));
  // Compute fell by e^-4 while efficiency rose 2.8^2: the best model is still the old one,
  // because effective compute now is below what it was.
  CHECK(state.capability[0] == doctest::Approx(c0).epsilon(0.02));
}

TEST_CASE("more compute gives a more capable best model") {
  const Scenario s = quiet_small();
  const std::vector<double> low = {10000.0, 2000.0};
  const std::vector<double> high = {10000.0, 20000.0};
  const LabState a = initial_lab_state(s.labs_setup, low);
  const LabState b = initial_lab_state(s.labs_setup, high);
  CHECK(b.capability[1] == doctest::Approx(a.capability[1] + 1.0));
  CHECK(b.capability[0] == a.capability[0]);
}

TEST_CASE("a lab is a buyer whose defaults favour training") {
  const Scenario s = quiet_small();
  REQUIRE(s.supply_setup.n_labs == 2);
  REQUIRE(s.supply_setup.n_buyers == 3);
  CHECK(s.supply_setup.buyer_ids[0] == "us_lab");
  CHECK(s.supply_setup.buyer_ids[2] == "cn_cloud");
  CHECK(s.supply_setup.buyer_training_weight[0] == 0.8);
  CHECK(s.supply_setup.buyer_training_weight[2] == 0.3);
}
