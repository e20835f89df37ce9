// Labs in a scenario and a run: archetypes merged into labs, and a lab's money limiting its
// chip buying.
#include <doctest/doctest.h>

#include <cmath>

#include "agents/labs.hpp"
#include "sim/model/model.hpp"
#include "sim/model/scenario.hpp"
#include "tests/scenario_errors.hpp"

using namespace airace;

namespace labs_model_test {

namespace {
const std::string kSmall = std::string(AIRACE_SOURCE_DIR) + "/tests/data/small.yaml";

Scenario quiet_small(std::vector<std::string> more = {}) {
  more.insert(more.begin(), "supply_model.demand_noise_sigma=0");
  more.insert(more.begin(), "lab_model.efficiency_noise_sigma=0");
  return load_scenario(kSmall, more);
}
}  // namespace

TEST_CASE("a lab without money cannot buy compute") {
  // us_lab starts with no money and no income: it buys nothing, whatever its plans.
  const Scenario s =
      quiet_small({"labs.us_lab.capital_usd=-1", "lab_model.market_usd_per_year=0",
                   "adoption_model.adopters=0", "labs.us_lab.talent_cost_usd_per_year=0",
                   "lab_model.opex_usd_per_h100e_year=0", "supply_model.depreciation_per_year=0"});
  const SeriesCatalog cat = build_catalog(s);
  Simulation sim(s, cat, 0);
  sim.run_to_end();
  const SeriesBuffer& x = sim.series();
  const std::size_t n = cat.time_count(cat.series()[cat.find("labs", "compute_h100e")]);
  for (std::size_t t = 0; t < n; ++t)
    CHECK(x.get(cat.find("labs", "compute_h100e"), t, 0) == doctest::Approx(20000 * 312 / 989.0));
  // With money it buys its plan, and pays for it from its capital.
  const std::vector<std::string> no_income = {
      "labs.us_lab.capital_usd=1e12", "lab_model.market_usd_per_year=0",
      "adoption_model.adopters=0", "lab_model.opex_usd_per_h100e_year=0"};
  const Scenario rich = quiet_small(no_income);
  Simulation sim2(rich, cat, 0);
  sim2.run_to_end();
  CHECK(sim2.series().get(cat.find("labs", "compute_h100e"), n - 1, 0) > 2 * (20000 * 312 / 989.0));
  std::vector<std::string> idle_sets = no_income;
  idle_sets.push_back("labs.us_lab.demand=[]");
  const Scenario idle = quiet_small(idle_sets);
  Simulation sim3(idle, cat, 0);
  sim3.run_to_end();
  const double spent = sim3.labs().capital_usd[0] - sim2.labs().capital_usd[0];
  CAPTURE(spent);
  // 500 M USD/year from 2022-10-01 doubling yearly, to the last weekly tick (2023-12-25).
  const double t = years_between(Date::from_ymd(2022, 10, 1), Date::from_ymd(2023, 12, 25));
  CHECK(spent == doctest::Approx(5e8 * (std::pow(2.0, t) - 1) / std::log(2.0)).epsilon(0.02));
}

TEST_CASE("an archetype supplies defaults that a lab can override") {
  const Scenario s = quiet_small();
  CHECK(s.labs[1].talent == 1.5);   // from efficient_challenger
  CHECK(s.labs[1].initially_open);  // from efficient_challenger
  CHECK(s.labs[0].talent == 1.0);   // no archetype: the documented default
  const Scenario own = quiet_small({"labs.cn_lab.talent=0.7"});
  CHECK(own.labs[1].talent == 0.7);
  CHECK(own.labs[1].initially_open);
}

TEST_CASE("an unknown archetype or an archetype key labs do not have is refused") {
  auto first_error = [](const std::vector<std::string>& sets) {
    return testing::first_scenario_error(kSmall, sets);
  };
  Diagnostic d = first_error({"labs.cn_lab.archetype=efficient_challengr"});
  CHECK(d.message.find("unknown archetype 'efficient_challengr'") != std::string::npos);
  CHECK(d.hint.find("efficient_challenger") != std::string::npos);
  d = first_error({"archetypes=[{id: efficient_challenger, talnt: 2}]"});
  CHECK(d.key_path == "archetypes[efficient_challenger].talnt");
  CHECK(d.hint.find("talent") != std::string::npos);
  d = first_error({"archetypes=[{id: efficient_challenger, country: US}]"});
  CHECK(d.message.find("not a key an archetype can set") != std::string::npos);
  d = first_error({"labs.cn_lab.open_api_weight=-1"});
  CHECK(d.key_path == "labs[cn_lab].open_api_weight");
}

}  // namespace labs_model_test
